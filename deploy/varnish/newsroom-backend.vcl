# The app server behind the edge (`make serve` listens here). deploy/serve_edge.py
# writes its own copy with the port it started gunicorn on.
backend default {
    .host = "127.0.0.1";
    .port = "8000";
    .first_byte_timeout = 30s;
}
