"""The widget's API, scripts and iframe page: keys, origins, CORS, frames, cookies, limits."""

from datetime import UTC, datetime

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from app.schemas.widget import normalise_origin

CLUB = "https://www.leedscityac.example"
OTHER = "https://copycat.example"
CITY_CENTRE = dict(latitude=53.7960, longitude=-1.5470, postcode="LS1 4DY", outward_code="LS1",
                   place_label="Leeds")


@pytest.fixture
def anonymous(visitor):
    return visitor()


def api(client, path, key, origin=CLUB, method="GET", **params):
    headers = {"Origin": origin} if origin else {}
    return client.open(f"/widget/api/v1/{path}", method=method, headers=headers,
                       query_string={"key": key, **params})


def assert_refused(response, status, message):
    assert response.status_code == status
    body = response.get_json()
    assert body["code"] == status and body["message"].startswith(message), body
    return body


# --- Origins as browsers send them ---------------------------------------------------------

@pytest.mark.parametrize("given, origin", [
    ("https://www.club.example", "https://www.club.example"),
    ("  HTTPS://WWW.Club.Example/ ", "https://www.club.example"),
    ("https://club.example:443", "https://club.example"),
    ("https://club.example:8443", "https://club.example:8443"),
    ("http://localhost:5000", "http://localhost:5000"),
    ("http://127.0.0.1:8000/", "http://127.0.0.1:8000"),
    ("https://bücher.example", "https://xn--bcher-kva.example"),
])
def test_origins_are_normalised_as_browsers_send_them(given, origin):
    assert normalise_origin(given) == origin


@pytest.mark.parametrize("given", [
    "null", "club.example", "ftp://club.example", "https://club.example/widget",
    "https://club.example/?x=1", "http://club.example", "https://*.club.example",
    "https://user@club.example", "https://club.example:99999", "javascript:alert(1)", "",
])
def test_anything_but_an_origin_is_refused(given):
    with pytest.raises(ValueError):
        normalise_origin(given)


# --- The API answers CORS to the key's sites only ---------------------------------------------

def test_config_for_an_allowed_site(anonymous, make_widget_key):
    key = make_widget_key(presets={"where": "LS6 3QS", "radius_km": 10, "roles": ["mentor"]})
    response = api(anonymous, "config", key.key)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == CLUB
    assert "Origin" in response.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in response.headers
    body = response.get_json()
    assert body["club_name"] == "Leeds City AC"
    assert body["presets"] == {"where": "LS6 3QS", "radius_km": 10, "roles": ["mentor"]}
    assert {"key": "mentor", "name": "Mentor"} in body["roles"]
    assert "jumps" in [g["key"] for g in body["event_groups"]]


def test_a_site_not_on_the_list_is_refused(anonymous, make_widget_key):
    key = make_widget_key()
    response = api(anonymous, "config", key.key, origin=OTHER)
    body = assert_refused(response, 403, "This site is not allowed to use this widget key")
    assert OTHER in body["errors"]["origin"][0]
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Origin" in response.headers["Vary"]


@pytest.mark.parametrize("origin", [
    "null", "https://www.leedscityac.example.evil.example", "http://www.leedscityac.example",
    "https://www.leedscityac.example:444", "https://leedscityac.example",
])
def test_only_an_exact_origin_matches_and_null_never_does(anonymous, make_widget_key, origin):
    # Even a key whose list somehow holds "null" (the form never allows it).
    key = make_widget_key(allowed_origins=[CLUB, "null"])
    response = api(anonymous, "search", key.key, origin=origin, where="LS6 3QS")
    assert_refused(response, 403, "This site is not allowed to use this widget key")
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize("key", [None, "", "wk_doesnotexist123", "bad key!", "x" * 200])
def test_unknown_or_missing_key_is_refused(anonymous, make_widget_key, key):
    make_widget_key()
    response = api(anonymous, "config", key)
    body = assert_refused(response, 403, "This widget key is not known")
    assert "key" in body["errors"]
    assert "Access-Control-Allow-Origin" not in response.headers


def test_revoked_key_gets_its_message_readable_by_the_club_site(anonymous, make_widget_key):
    key = make_widget_key(revoked_at=datetime.now(UTC))
    for path in ("config", "search"):
        response = api(anonymous, path, key.key, where="LS6 3QS")
        assert_refused(response, 403, "This search is switched off: Leeds City AC's widget key "
                                      "was revoked")
        assert response.headers["Access-Control-Allow-Origin"] == CLUB
    assert "Access-Control-Allow-Origin" not in api(
        anonymous, "config", key.key, origin=OTHER).headers


def test_preflight_is_answered_like_the_request(anonymous, make_widget_key):
    key = make_widget_key()
    allowed = api(anonymous, "search", key.key, method="OPTIONS")
    assert allowed.status_code == 204
    assert allowed.headers["Access-Control-Allow-Origin"] == CLUB
    assert allowed.headers["Access-Control-Allow-Methods"] == "GET"
    refused = api(anonymous, "search", key.key, origin=OTHER, method="OPTIONS")
    assert_refused(refused, 403, "This site is not allowed")
    assert "Access-Control-Allow-Origin" not in refused.headers


def test_own_pages_need_no_cors(anonymous, make_widget_key):
    key = make_widget_key()
    for origin in (None, "http://localhost"):  # the iframe page, fetching from this service
        response = api(anonymous, "config", key.key, origin=origin)
        assert response.status_code == 200
        assert "Access-Control-Allow-Origin" not in response.headers


# --- Search through the widget -----------------------------------------------------------

def test_search_gives_the_same_public_cards_as_the_search_api(anonymous, make_supporter,
                                                            make_widget_key):
    make_supporter(**CITY_CENTRE)
    make_supporter(roles=["coach_developer"], offers_online=True)
    key = make_widget_key()
    params = {"where": "LS6 3QS", "radius_km": "25", "roles": "mentor,coach_developer"}
    widget = api(anonymous, "search", key.key, **params)
    assert widget.status_code == 200
    assert widget.headers["Access-Control-Allow-Origin"] == CLUB
    public = anonymous.get("/api/v1/search", query_string=params).get_json()
    body = widget.get_json()
    assert body["total"] == 2
    assert body["results"] == public["results"]
    assert {card["near"] for card in body["results"]} == {"LS1", "LS6"}
    assert all(card["reasons"] for card in body["results"])
    text = widget.get_data(as_text=True)
    assert "LS1 4DY" not in text and "@example" not in text
    private = {"postcode", "latitude", "longitude", "email", "phone", "user_id"}
    assert not private & {name for card in body["results"] for name in card}


def test_widget_search_puts_who_is_near_first_and_online_apart(anonymous, make_supporter,
                                                               make_widget_key):
    local = make_supporter(**CITY_CENTRE)
    far_online = make_supporter(offers_online=True, latitude=51.5014, longitude=-0.1419,
                                postcode="SW1A 1AA", outward_code="SW1A")
    us_online = make_supporter(offers_online=True, latitude=34.0901, longitude=-118.4065,
                               postcode="90210", outward_code="902xx", country="US")
    key = make_widget_key()
    body = api(anonymous, "search", key.key, where="LS6 3QS", radius_km="25").get_json()
    assert [c["id"] for c in body["results"]] == [local.id]
    assert [c["id"] for c in body["online"]] == [far_online.id]  # a Leeds club: GB only
    assert us_online.id not in {c["id"] for key in ("results", "online", "beyond_radius")
                                for c in body[key]}
    assert body["counts"]["in_person"] == 1 and body["counts"]["online"] == 1


def test_bad_search_input_names_the_field(anonymous, make_supporter, make_widget_key):
    make_supporter()
    key = make_widget_key()
    response = api(anonymous, "search", key.key, where="LS6 3QS", radius_km="-5")
    assert response.status_code == 422
    assert "radius_km" in response.get_json()["errors"]
    assert response.headers["Access-Control-Allow-Origin"] == CLUB
    unknown = api(anonymous, "search", key.key, where="Nowhereville Xyzzy")
    assert unknown.status_code == 404
    assert "where" in unknown.get_json()["errors"]


def test_each_key_has_its_own_rate_limit(anonymous, make_supporter, make_widget_key):
    make_supporter()
    busy = make_widget_key(rate_limit_per_minute=2)
    calm = make_widget_key(club_name="Calm AC", allowed_origins=[OTHER])
    assert api(anonymous, "config", busy.key).status_code == 200
    assert api(anonymous, "search", busy.key, where="LS6 3QS").status_code == 200
    limited = api(anonymous, "search", busy.key, where="LS6 3QS")
    assert_refused(limited, 429, "Too many requests")
    assert int(limited.headers["Retry-After"]) > 0
    assert limited.headers["Access-Control-Allow-Origin"] == CLUB
    assert "Retry-After" in limited.headers["Access-Control-Expose-Headers"]
    assert api(anonymous, "search", calm.key, origin=OTHER, where="LS6 3QS").status_code == 200


# --- Languages -------------------------------------------------------------------------------

WIDGET_JS = "app/static/widget/widget.js"


def write_welsh_catalogue(directory, entries: dict) -> None:
    """Write a Welsh catalogue under ``directory``: each entry's id, translation and source."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    catalog = Catalog(locale="cy")
    for msgid, (string, source) in entries.items():
        catalog.add(msgid, string, locations=[(source, 1)])
    path = directory / "cy" / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir(parents=True)
    with path.open("wb") as handle:
        write_po(handle, catalog)


@pytest.fixture
def welsh_catalogue(monkeypatch, tmp_path):
    """Return a function making the Welsh catalogue hold only the entries given."""
    from app import i18n

    def use(entries):
        write_welsh_catalogue(tmp_path, entries)
        monkeypatch.setattr(i18n, "_TRANSLATIONS", tmp_path)
        i18n.widget_catalogue.cache_clear()

    yield use
    i18n.widget_catalogue.cache_clear()


def test_config_sends_the_widget_strings_of_its_language(anonymous, make_widget_key,
                                                          welsh_catalogue):
    key = make_widget_key()
    english = api(anonymous, "config", key.key).get_json()["catalogue"]
    assert english == {"lang": "en", "messages": {}, "plurals": {},
                       "plural_categories": ["one", "other"]}
    welsh_catalogue({
        "Find coaching support": ("Dod o hyd i gymorth hyfforddi", WIDGET_JS),
        ("{n} place free", "{n} places free"): (
            ("{n} lle am ddim (0)", "{n} lle am ddim (1)", "{n} le am ddim (2)",
             "{n} lle am ddim (3)", "{n} lle am ddim (4)", "{n} lle am ddim (5)"), WIDGET_JS),
        "Searching…": ("", WIDGET_JS),  # not translated yet: the widget keeps its English
        "Search the directory": ("Chwilio'r cyfeiriadur", "app/templates/search.html"),
    })
    response = api(anonymous, "config", key.key, lang="cy")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == CLUB
    welsh = response.get_json()["catalogue"]
    assert welsh["lang"] == "cy"
    assert welsh["plural_categories"] == ["zero", "one", "two", "few", "many", "other"]
    # The widget's own strings only: a page's string is not sent to club sites.
    assert welsh["messages"] == {"Find coaching support": "Dod o hyd i gymorth hyfforddi"}
    assert welsh["plurals"] == {"{n} place free": [
        "{n} lle am ddim (0)", "{n} lle am ddim (1)", "{n} le am ddim (2)",
        "{n} lle am ddim (3)", "{n} lle am ddim (4)", "{n} lle am ddim (5)"]}


@pytest.mark.parametrize("path", ["config", "search"])
def test_an_unknown_language_is_refused_naming_the_field(anonymous, make_supporter,
                                                         make_widget_key, path):
    make_supporter(**CITY_CENTRE)
    key = make_widget_key()
    place = {"where": "LS6 3QS"} if path == "search" else {}
    refused = api(anonymous, path, key.key, lang="fr", **place)
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["lang"] == ["Choose en (English) or cy (Cymraeg)."]
    assert refused.headers["Access-Control-Allow-Origin"] == CLUB  # so the widget can say why
    assert api(anonymous, path, key.key, lang="cy", **place).status_code == 200


def test_search_pages_through_results_as_many_at_a_time_as_asked(anonymous, make_supporter,
                                                                 make_widget_key):
    for _ in range(3):
        make_supporter(**CITY_CENTRE)
    key = make_widget_key()
    first = api(anonymous, "search", key.key, where="LS6 3QS", limit="2", lang="en").get_json()
    second = api(anonymous, "search", key.key, where="LS6 3QS", limit="2", page="2").get_json()
    assert (first["total"], first["pages"], len(first["results"])) == (3, 2, 2)
    assert len(second["results"]) == 1
    assert not {c["id"] for c in first["results"]} & {c["id"] for c in second["results"]}
    too_many = api(anonymous, "search", key.key, where="LS6 3QS", limit="51")
    assert too_many.status_code == 422 and "limit" in too_many.get_json()["errors"]


def test_iframe_page_speaks_its_language_and_takes_the_display_presets(anonymous,
                                                                       make_widget_key):
    key = make_widget_key()
    english = anonymous.get(f"/embed?key={key.key}").get_data(as_text=True)
    assert '<html lang="en-GB">' in english and "data-lang" not in english
    welsh = anonymous.get(f"/embed?key={key.key}&lang=cy&limit=3&target=_blank")
    assert welsh.status_code == 200
    text = welsh.get_data(as_text=True)
    assert '<html lang="cy">' in text
    for attribute in ('data-lang="cy"', 'data-limit="3"', 'data-target="_blank"'):
        assert attribute in text
    for bad, field in (("lang=fr", "lang"), ("limit=99", "limit"), ("target=_parent", "target")):
        refused = anonymous.get(f"/embed?key={key.key}&{bad}")
        assert refused.status_code == 422
        page = refused.get_data(as_text=True)
        assert f"<strong>{field}</strong>" in page and '<html lang="en-GB">' in page
        assert csp(refused)["frame-ancestors"] == CLUB


# --- No cookies, ever ----------------------------------------------------------------------

def test_no_cookie_is_set_even_for_a_signed_in_visitor(visitor, make_user, make_supporter,
                                                       make_widget_key):
    make_supporter()
    key = make_widget_key()
    signed_in = visitor(make_user(roles=["admin"]))
    assert "Set-Cookie" in signed_in.get("/").headers  # the rest of the site refreshes it
    for response in (api(signed_in, "config", key.key),
                     api(signed_in, "search", key.key, where="LS6 3QS"),
                     api(signed_in, "config", "wk_unknownkey1234"),
                     signed_in.get(f"/embed?key={key.key}"),
                     signed_in.get("/embed?key=wk_unknownkey1234"),
                     signed_in.get("/widget.js")):
        assert response.status_code in {200, 403}
        assert "Set-Cookie" not in response.headers, response.request.path


# --- The scripts ---------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/widget.js", "/embed.js"])
def test_scripts_are_cached_and_revalidated(anonymous, path):
    response = anonymous.get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert "public" in response.headers["Cache-Control"]
    assert response.cache_control.max_age >= 3600
    etag = response.headers["ETag"]
    again = anonymous.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["ETag"] == etag


def test_widget_script_talks_only_to_its_own_service(anonymous):
    source = anonymous.get("/widget.js").get_data(as_text=True)
    assert 'credentials: "omit"' in source
    assert "http://" not in source and "https://" not in source.replace(
        "https://<service>", "")
    assert "document.cookie" not in source and "localStorage" not in source


# --- The iframe page ---------------------------------------------------------------------------

def csp(response) -> dict:
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1]
            for part in response.headers["Content-Security-Policy"].split("; ")}


def test_iframe_page_may_be_framed_by_the_key_sites_only(anonymous, make_widget_key):
    key = make_widget_key(allowed_origins=[CLUB, "http://localhost:8000"])
    response = anonymous.get(f"/embed?key={key.key}&parent_origin={CLUB}")
    assert response.status_code == 200
    assert csp(response)["frame-ancestors"] == f"{CLUB} http://localhost:8000"
    assert csp(response)["script-src"] == "'self'"
    assert "X-Frame-Options" not in response.headers
    page = response.get_data(as_text=True)
    assert f'data-parent-origin="{CLUB}"' in page
    assert f'data-key="{key.key}"' in page
    # Every other page still refuses to be framed.
    home = anonymous.get("/")
    assert home.headers["X-Frame-Options"] == "DENY"
    assert csp(home)["frame-ancestors"] == "'none'"


def test_iframe_page_posts_only_to_an_allowed_parent(anonymous, make_widget_key):
    one = make_widget_key()
    several = make_widget_key(allowed_origins=[CLUB, OTHER])
    # The only site, the referring site when allowed, else nobody.
    assert f'data-parent-origin="{CLUB}"' in anonymous.get(
        f"/embed?key={one.key}").get_data(as_text=True)
    page = anonymous.get(f"/embed?key={several.key}",
                         headers={"Referer": f"{OTHER}/juniors"}).get_data(as_text=True)
    assert f'data-parent-origin="{OTHER}"' in page
    page = anonymous.get(f"/embed?key={several.key}",
                         headers={"Referer": "https://evil.example/"}).get_data(as_text=True)
    assert "data-parent-origin" not in page
    refused = anonymous.get(f"/embed?key={one.key}&parent_origin=https://evil.example")
    assert refused.status_code == 403
    assert "This site is not allowed to use this widget key" in refused.get_data(as_text=True)
    assert csp(refused)["frame-ancestors"] == CLUB


def test_iframe_page_carries_presets(anonymous, make_widget_key):
    key = make_widget_key()
    page = anonymous.get(f"/embed?key={key.key}&where=LS6+3QS&radius_km=10&roles=mentor"
                         "&event_groups=jumps,throws&utm_source=newsletter")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for attribute in ('data-where="LS6 3QS"', 'data-radius="10"', 'data-roles="mentor"',
                      'data-event-groups="jumps,throws"'):
        assert attribute in text
    bad = anonymous.get(f"/embed?key={key.key}&radius_km=-5")
    assert bad.status_code == 422
    assert "radius_km" in bad.get_data(as_text=True)
    assert csp(bad)["frame-ancestors"] == CLUB


def test_iframe_page_for_unknown_and_revoked_keys(anonymous, make_widget_key):
    unknown = anonymous.get("/embed?key=wk_unknownkey1234")
    assert unknown.status_code == 403
    assert "This widget key is not known" in unknown.get_data(as_text=True)
    assert csp(unknown)["frame-ancestors"] == "'none'"
    revoked = make_widget_key(revoked_at=datetime.now(UTC))
    response = anonymous.get(f"/embed?key={revoked.key}")
    assert response.status_code == 403
    assert "widget key was revoked" in response.get_data(as_text=True)
    assert csp(response)["frame-ancestors"] == CLUB  # so the club's frame shows why


# --- Admins manage the keys ------------------------------------------------------------------

def key_form(**overrides):
    form = {"club_name": "Headingley Harriers",
            "allowed_origins": "https://Headingley-Harriers.example/\nhttp://localhost:5000",
            "where": "LS6 3QS", "radius_km": "10", "roles": ["mentor", "co_coach"],
            "event_groups": ["jumps"], "rate_limit_per_minute": "90"}
    form.update(overrides)
    return form


def test_admin_issues_a_key_and_gets_the_embed_code(visitor, make_user, session):
    from app.models import AuditEvent, WidgetKey

    admin = visitor(make_user(roles=["admin"]))
    response = admin.post("/admin/widget-keys/new", data=key_form())
    assert response.status_code == 302
    key = session.scalar(select(WidgetKey))
    assert key.allowed_origins == ["https://headingley-harriers.example",
                                   "http://localhost:5000"]
    assert key.presets == {"where": "LS6 3QS", "radius_km": 10.0,
                           "roles": ["mentor", "co_coach"], "event_groups": ["jumps"]}
    assert key.rate_limit_per_minute == 90 and key.key.startswith("wk_")
    assert session.scalar(select(AuditEvent.action).where(AuditEvent.subject_id == key.id)) \
        == "widget_key.created"

    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert (f'&lt;script src=&#34;http://localhost/widget.js&#34; data-key=&#34;{key.key}&#34; '
            f'async&gt;&lt;/script&gt;') in page
    assert ('data-coaching-support data-where=&#34;LS6 3QS&#34; data-radius=&#34;10&#34; '
            'data-roles=&#34;mentor,co_coach&#34; data-event-groups=&#34;jumps&#34;') in page
    assert "parent_origin=https%3A%2F%2Fheadingley-harriers.example" in page
    assert "parent_origin=http%3A%2F%2Flocalhost%3A5000" in page
    assert "http://localhost/embed.js" in page
    # The options and theming a webmaster can use, and a preview in Welsh.
    options = BeautifulSoup(page, "html.parser").select_one("[data-testid=widget-options]")
    assert [dt.get_text() for dt in options.select("dt")] == [
        'data-lang="cy"', 'data-limit="5"', 'data-cards="full"', 'data-target="_blank"']
    assert "--fmcs-accent" in page and "::part(card)" in page
    assert 'data-coaching-support data-lang="cy"' in page
    assert "Headingley Harriers" in admin.get("/admin/widget-keys").get_data(as_text=True)


@pytest.mark.parametrize("field, value, message", [
    ("allowed_origins", "https://ok.example\nhttp://club.example", "must use https://"),
    ("allowed_origins", "https://club.example/join-us", "has a path"),
    ("allowed_origins", "", "Give at least one site"),
    ("club_name", "", "Enter the club name"),
    ("radius_km", "-5", "Radius must be between 1 and 500 km."),
    ("rate_limit_per_minute", "0", "The rate limit (searches a minute) must be between 1 and"),
    ("roles", ["mentor", "wizard"], "Unknown roles: wizard"),
    ("where", "Nowhereville Xyzzy", "Nowhereville Xyzzy"),
])
def test_bad_key_forms_name_the_field(visitor, make_user, session, field, value, message):
    from app.models import WidgetKey

    admin = visitor(make_user(roles=["admin"]))
    response = admin.post("/admin/widget-keys/new", data=key_form(**{field: value}))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert session.scalar(select(WidgetKey)) is None


def test_admin_edits_and_revokes_a_key(visitor, make_user, make_widget_key, session):
    from app.models import AuditEvent

    key = make_widget_key()
    admin = visitor(make_user(roles=["admin"]))
    response = admin.post(f"/admin/widget-keys/{key.id}",
                          data=key_form(allowed_origins=f"{CLUB}\n{OTHER}", roles=[]))
    assert response.status_code == 302
    session.refresh(key)
    assert key.allowed_origins == [CLUB, OTHER]
    assert key.club_name == "Headingley Harriers" and "roles" not in key.presets
    assert api(admin, "config", key.key, origin=OTHER).status_code == 200

    assert admin.post(f"/admin/widget-keys/{key.id}/revoke").status_code == 302
    session.refresh(key)
    assert key.revoked_at is not None
    assert_refused(api(admin, "config", key.key), 403, "This search is switched off")
    again = admin.post(f"/admin/widget-keys/{key.id}", data=key_form())
    assert again.status_code == 409
    actions = session.scalars(select(AuditEvent.action).where(
        AuditEvent.subject_type == "widget_keys").order_by(AuditEvent.id)).all()
    assert actions == ["widget_key.updated", "widget_key.revoked"]


@pytest.mark.parametrize("method, path", [
    ("get", "/admin/widget-keys"), ("get", "/admin/widget-keys/new"),
    ("post", "/admin/widget-keys/new"), ("get", "/admin/widget-keys/{id}"),
    ("post", "/admin/widget-keys/{id}"), ("post", "/admin/widget-keys/{id}/revoke"),
])
def test_only_admins_manage_keys(visitor, make_user, make_widget_key, session, method, path):
    key = make_widget_key()
    url = path.format(id=key.id)
    coach = visitor(make_user(roles=["coach", "supporter"]))
    kwargs = {}
    if method == "post":
        kwargs["data"] = {} if path.endswith("revoke") else key_form()
    assert getattr(coach, method)(url, **kwargs).status_code == 404
    anonymous = visitor()
    assert getattr(anonymous, method)(url, **kwargs).status_code in {302, 400}
    session.refresh(key)
    assert key.revoked_at is None and key.club_name == "Leeds City AC"
