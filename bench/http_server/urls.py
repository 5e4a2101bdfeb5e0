"""The portal's URLs and a trivial signed-in page, the floor of every page (bench/http_load.py)."""

from django.http import HttpResponse
from django.urls import path

from iconet.urls import urlpatterns as portal


def trivial(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/trivial/", trivial, name="bench_trivial"), *portal]
