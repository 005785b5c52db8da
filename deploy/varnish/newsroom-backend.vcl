# The app server behind the edge (`make serve` listens here). deploy/serve_edge.py
# writes its own copy with the port it started gunicorn on.
#
# Varnish asks the app's /healthz (newsroom/health.py) every few seconds: a
# server whose database is away answers 503 and is marked sick, and readers
# are then served the pages the edge kept, up to a day past their lifetime
# (newsroom.vcl, vcl_recv and vcl_backend_response), instead of errors.
# The Host must be one of DJANGO_ALLOWED_HOSTS.
probe newsroom_health {
    .request =
        "GET /healthz HTTP/1.1"
        "Host: localhost"
        "Connection: close";
    .interval = 5s;
    .timeout = 2s;
    .window = 5;
    .threshold = 3;
    .initial = 3;
}

backend default {
    .host = "127.0.0.1";
    .port = "8000";
    .first_byte_timeout = 30s;
    .probe = newsroom_health;
}
