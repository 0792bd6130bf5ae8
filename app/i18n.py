"""Languages: English and Welsh, from one catalogue shared by pages, reasons and the widget.

Pages speak the language a visitor chose (``/language``, kept in their
session) or else the best their browser asks for. The widget sets no cookie,
so it speaks only the language its host page names (``data-lang``, sent as
``?lang=``). The JSON API stays in English: machines read its codes.

The catalogue is ``app/translations/<lang>/LC_MESSAGES/messages.po`` (built
to ``.mo`` by ``make translations``); English strings are its message ids.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from flask import Flask, has_request_context, request, session
from flask_babel import Babel, get_locale, get_translations

#: The languages offered, by code, each named in itself.
LANGUAGES = {"en": "English", "cy": "Cymraeg"}
DEFAULT = "en"
#: The ``lang`` attribute of a page in each language (BCP 47).
HTML_LANG = {"en": "en-GB", "cy": "cy"}
#: Blueprints that may not read or set the session: they follow ``?lang=`` only.
_WITHOUT_SESSION = {"widget", "widget_api"}
_TRANSLATIONS = Path(__file__).resolve().parent / "translations"
#: Where the widget's strings live, so it is sent those and no others.
_WIDGET_SOURCE = "app/static/widget/widget.js"

babel = Babel()


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(_TRANSLATIONS))
    babel.init_app(app, locale_selector=select_language)
    # A {% trans %} block's line breaks and indentation are not part of its message.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, html_lang=html_lang,
                                 current_language=current_language)


def select_language() -> str:
    """Choose the language of this request's answer."""
    if not has_request_context():  # a command: emails and reports in the default language
        return DEFAULT
    asked = request.args.get("lang")
    if request.blueprint in _WITHOUT_SESSION:
        return asked if asked in LANGUAGES else DEFAULT
    if request.path.startswith("/api/"):
        return DEFAULT
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale is not None and locale.language in LANGUAGES else DEFAULT


def translations():
    """Return this request's translations (for ``matching``'s reasons), or None for English."""
    if not has_request_context() or current_language() == DEFAULT:
        return None
    return get_translations()


def html_lang() -> str:
    return HTML_LANG[current_language()]


#: The CLDR plural category of each of a language's gettext plural forms, in order,
#: so the widget can choose a form with ``Intl.PluralRules``.
PLURAL_CATEGORIES = {"en": ["one", "other"], "cy": ["zero", "one", "two", "few", "many", "other"]}


@cache
def widget_catalogue(lang: str) -> dict:
    """Return the widget's strings in ``lang``, translated ones only.

    ``messages`` maps an English string to its translation; ``plurals`` maps
    the English singular of a counted string to its forms, in the order of
    ``plural_categories``.
    """
    lang = lang if lang in LANGUAGES else DEFAULT
    answer: dict = {"lang": lang, "messages": {}, "plurals": {},
                    "plural_categories": PLURAL_CATEGORIES[lang]}
    if lang == DEFAULT:
        return answer
    from babel.messages.pofile import read_po

    with (_TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    for message in catalog:
        if (not message.id or message.fuzzy
                or not any(path == _WIDGET_SOURCE for path, _ in message.locations)):
            continue
        if isinstance(message.id, tuple):
            if all(message.string):
                answer["plurals"][message.id[0]] = list(message.string)
        elif message.string:
            answer["messages"][message.id] = message.string
    return answer
