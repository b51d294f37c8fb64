"""The project's URLs plus one view that fails, to see the 500 page a visitor gets."""

from django.urls import include, path


def boom(request):
    raise RuntimeError("secret detail that must not reach the page")


urlpatterns = [path("boom/", boom), path("", include("pts.urls"))]
