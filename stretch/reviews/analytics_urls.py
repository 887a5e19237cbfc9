from django.urls import path

from stretch.reviews import analytics_views

urlpatterns = [
    path("analytics/", analytics_views.analytics, name="analytics"),
]
