vcl 4.1;

# Newsroom's edge cache (Varnish 7.1 with varnish-modules' xkey).
#
# Anonymous GETs and HEADs of public pages are kept for as long as the app's
# `s-maxage` says and dropped at once when the app sends
# `PURGE` with an `xkey-purge: <tags>` header (pagecache/edge.py), the same
# tags the page carried in its `Surrogate-Key`/`xkey` header.
# Everyone with a cookie the page could depend on (a session, a premium grant,
# a held comment...) goes straight to the app, as do POSTs, the admin, the
# addresses the app's own page cache never keeps, preview links and JSONP.
#
# The backend (the app's gunicorn) is in newsroom-backend.vcl, found through
# varnishd's vcl_path (deploy/serve_edge.py writes its own).
# docs/production.md explains the rules; tests/edge/ checks them against a
# real varnishd and the settings they copy (newsroom/conf.py, LANGUAGES).

import std;
import xkey;

include "newsroom-backend.vcl";

# Who may purge: the app servers. Add their addresses when they are not this
# machine.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.xkey-purge) {
            return (synth(400, "The xkey-purge header names the tags to purge"));
        }
        # A hard purge: a changed page is never served again, not even in grace.
        set req.http.X-Purged = xkey.purge(req.http.xkey-purge);
        return (synth(200, "Purged " + req.http.X-Purged));
    }
    call vcl_req_host;
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.http.Authorization) {
        return (pass);
    }
    # NEWSROOM["PAGE_CACHE_EXCLUDED_PREFIXES"], and /premium/ (premium grants).
    if (req.url ~ "^/(admin/|accounts/|comments/|csrf-token|healthz|i18n/|img/|media/|static/|two-factor/|premium/)") {
        return (pass);
    }
    # Preview links (/preview/TOKEN, and any query naming a preview: the
    # app's page cache skips them too) and JSONP, which the
    # app's cache answers from one stored JSON whatever the callback.
    if (req.url ~ "^/preview/" || req.url ~ "\?.*preview" ||
        req.url ~ "[?&](callback=|alt=json-in-script)") {
        return (pass);
    }
    # Any cookie but NEWSROOM["PAGE_CACHE_HARMLESS_COOKIES"] may change the
    # page (a session, a premium grant, a reader's held comment): the app.
    if (req.http.Cookie &&
        regsuball(req.http.Cookie, "(^|;)\s*(csrftoken|django_language)\s*=[^;]*", "") ~ "[^;\s]") {
        return (pass);
    }
    # A kept page past its lifetime: at most 10 s old while the app is
    # healthy (one reader gets it while a single fetch refreshes it); while
    # its /healthz fails, the kept page for up to a day, rather than an
    # error (a purged page is gone either way: purges are hard).
    if (std.healthy(req.backend_hint)) {
        set req.grace = 10s;
    }
    call newsroom_language;
    unset req.http.Cookie;
    call newsroom_strip_tracking;
    # Pages are kept gzipped for the readers whose browsers accept it (all of
    # them); a client that does not gets a copy of its own, kept unzipped,
    # rather than one unzipped on every request.
    if (req.http.Accept-Encoding ~ "(?i)gzip") {
        unset req.http.X-Edge-Identity;
    } else {
        set req.http.X-Edge-Identity = "1";
    }
    return (hash);
}

# Parameters no page reads (trackers, jQuery's cache-buster, Blogger's ?m=1):
# one object for every variant, and the app never sees them.
sub newsroom_strip_tracking {
    if (req.url ~ "[?&](utm_[^&=]*|fbclid|gclid|dclid|msclkid|yclid|_|m)(=|&|$)") {
        set req.url = regsuball(req.url, "(?<=[?&])(utm_[^&=]*|fbclid|gclid|dclid|msclkid|yclid|_|m)(=[^&]*)?(&|$)", "");
        set req.url = regsub(req.url, "[?&]+$", "");
    }
}

# The one language the app would choose (Django's get_language_from_request
# for settings.LANGUAGES = en, hi; LANGUAGE_CODE = en): the language cookie
# when it names one of them, else the highest-q entry of Accept-Language that
# does (the first of equals; `*` means the default), else en. The request then
# carries only that code, so the app renders the language the edge keyed.
sub newsroom_language {
    unset req.http.X-Language;
    if (req.http.Cookie ~ "(^|;)\s*django_language\s*=") {
        set req.http.X-Language = regsub(req.http.Cookie,
            {"^.*(?:^|;)\s*django_language\s*=\s*"?([^;"]*?)"?\s*(?:;.*)?$"}, "\1").lower();
        if (req.http.X-Language ~ "^(en|hi)(-|$)") {
            set req.http.X-Language = regsub(req.http.X-Language, "^(en|hi).*$", "\1");
        } else {
            unset req.http.X-Language;
        }
    }
    if (!req.http.X-Language) {
        call newsroom_accept_language;
    }
    set req.http.Accept-Language = req.http.X-Language;
    unset req.http.X-Language;
}

sub newsroom_accept_language {
    set req.http.X-AL = req.http.Accept-Language.lower();
    # Django reads at most 500 characters, up to the last comma before them.
    if (req.http.X-AL ~ "^.{501}") {
        if (req.http.X-AL ~ "^.{1,499},") {
            set req.http.X-AL = regsub(req.http.X-AL, "^(.{1,499}),.*$", "\1");
        } else {
            set req.http.X-AL = "";
        }
    }
    # A header Django cannot parse whole counts as none.
    if (req.http.X-AL !~ {"^(?:(?:[a-z]{1,8}(?:-[a-z0-9]{1,8})*|\*)(?:\s*;\s*q=(?:0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?))?(?:\s*,\s*|$))*$"}) {
        set req.http.X-AL = "";
    }
    # "lang;q=Q," entries: no spaces, q=1 when not given, regions dropped
    # (hi-in is hi), languages the site does not have left out.
    set req.http.X-AL = regsuball(req.http.X-AL, "\s+", "") + ",";
    set req.http.X-AL = regsuball(req.http.X-AL, "(?<=^|,)([^,;]+),", "\1;q=1,");
    set req.http.X-AL = regsuball(req.http.X-AL, "(?<=^|,)(en|hi)-[^;,]*;", "\1;");
    set req.http.X-AL = regsuball(req.http.X-AL, "(?<=^|,)(?!(?:en|hi|\*);)[^,]*,", "");
    set req.http.X-AL = regsuball(req.http.X-AL, "q=([01])\.?(?=,)", "q=\1");
    set req.http.X-AL-Best = "";
    set req.http.X-AL-Best-Q = "-1";
    # The first 24 such entries (browsers send a handful).
    call newsroom_accept_language_4;
    call newsroom_accept_language_4;
    call newsroom_accept_language_4;
    call newsroom_accept_language_4;
    call newsroom_accept_language_4;
    call newsroom_accept_language_4;
    if (req.http.X-AL-Best ~ "^(en|hi)$") {
        set req.http.X-Language = req.http.X-AL-Best;
    } else {
        set req.http.X-Language = "en";
    }
    unset req.http.X-AL;
    unset req.http.X-AL-Q;
    unset req.http.X-AL-Best;
    unset req.http.X-AL-Best-Q;
}

sub newsroom_accept_language_4 {
    call newsroom_accept_language_entry;
    call newsroom_accept_language_entry;
    call newsroom_accept_language_entry;
    call newsroom_accept_language_entry;
}

sub newsroom_accept_language_entry {
    if (req.http.X-AL ~ "^[^,]+,") {
        set req.http.X-AL-Q = regsub(req.http.X-AL, "^[^;,]*;q=([^,]*),.*$", "\1");
        if (std.real(req.http.X-AL-Q, fallback = 0) > std.real(req.http.X-AL-Best-Q, fallback = 0)) {
            set req.http.X-AL-Best-Q = req.http.X-AL-Q;
            set req.http.X-AL-Best = regsub(req.http.X-AL, "^([^;,]*);.*$", "\1");
        }
        set req.http.X-AL = regsub(req.http.X-AL, "^[^,]*,", "");
    }
}

sub vcl_hash {
    hash_data(req.url);
    if (req.http.host) {
        hash_data(req.http.host);
    } else {
        hash_data(server.ip);
    }
    # http is answered with a redirect, https with the page.
    hash_data(req.http.X-Forwarded-Proto);
    hash_data(req.http.Accept-Language);
    hash_data(req.http.X-Edge-Identity);
    return (lookup);
}

sub vcl_pass {
    set req.http.X-Edge-Pass = "1";
}

sub vcl_backend_fetch {
    unset bereq.http.X-Edge-Pass;
}

sub vcl_backend_response {
    if (bereq.uncacheable) {
        return (deliver);
    }
    # Only what the app says a shared cache may keep (s-maxage), never a
    # response setting a cookie or marked private.
    if (beresp.http.Set-Cookie ||
        beresp.http.Cache-Control ~ "(?i)(private|no-store)" ||
        beresp.http.Cache-Control !~ "(?i)s-maxage=[1-9]") {
        set beresp.ttl = 120s;
        set beresp.uncacheable = true;
        return (deliver);
    }
    # The TTL is s-maxage (Varnish's default). After it, the page is kept a
    # day more for when the app is sick (vcl_recv limits the grace to 10 s
    # while it is healthy); a purge drops it at once.
    set beresp.grace = 24h;
    if (!beresp.http.xkey && beresp.http.Surrogate-Key) {
        set beresp.http.xkey = beresp.http.Surrogate-Key;
    }
    # Every object can be purged: `site` purges them all.
    if (beresp.http.xkey !~ "(^|\s)site(\s|$)") {
        set beresp.http.xkey = beresp.http.xkey + " site";
    }
    if (!bereq.http.X-Edge-Identity &&
        beresp.http.Content-Type ~ "^(text/|application/(json|feed\+json|javascript|xml|atom\+xml|rss\+xml))") {
        set beresp.do_gzip = true;
    }
    return (deliver);
}

sub vcl_deliver {
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
    # Only this cache, which the app purges, may keep the page: no cache
    # further out (browsers, proxies) gets the s-maxage.
    if (resp.http.Cache-Control ~ "s-maxage") {
        set resp.http.Cache-Control = regsub(regsub(resp.http.Cache-Control,
            "s-maxage=[0-9]*\s*,?\s*", ""), ",\s*$", "");
    }
    if (req.http.X-Edge-Pass) {
        set resp.http.X-Cache = "PASS";
    } else if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}
