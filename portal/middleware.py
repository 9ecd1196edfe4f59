from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers


class LanguageMiddleware:
    """Brazilian first: the chosen language (cookie, then profile), else pt-BR.

    Unlike Django's LocaleMiddleware this ignores the browser's Accept-Language on purpose: the
    product speaks Portuguese unless the person picked English.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = self._choose(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response

    def _choose(self, request: HttpRequest) -> str:
        cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "").lower()
        if cookie in self.supported:
            return cookie
        user = getattr(request, "user", None)
        preferred = getattr(user, "preferred_language", "") if user else ""
        return preferred if preferred in self.supported else settings.LANGUAGE_CODE
