from __future__ import annotations

from django.conf import settings
from django.conf.urls.static import static
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from admin_panel.site import site as admin_site
from config import health
from config.metrics import metrics_view

# Branded, translated 400 (and 413 for bodies over DATA_UPLOAD_MAX_MEMORY_SIZE).
handler400 = "config.boundaries.bad_request"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    # Early: the provider's webhook is the busiest route, and resolving walks this list in order.
    path("", include("payments.urls")),
    path("admin/", admin_site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/bot/v1/", include("sales.api_urls")),
    path("api/bot/v1/", include("credit.api_urls")),
    path("api/bot/v1/", include("affiliates.api_urls")),
    path("api/bot/v1/", include("memberships.api_urls")),
    path("", include("memberships.urls")),
    path("api/bot/v1/", include("smm.api_urls")),
    path("api/v1/", include("developer.api_urls")),
    path("api/bot/v1/", include("trust.api_urls")),
    path("api/bot/v1/", include("growth.api_urls")),
    path("", include("runtime.urls")),
    path("", include("portal.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
