"""Thai first: the interface is Thai until the person picks English with the language switch."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class ThaiFirstMiddleware:
    """Hide the browser's Accept-Language from LocaleMiddleware unless a language was chosen.

    Office PCs often run an English browser for Thai users; only the switch (a cookie) changes language.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
