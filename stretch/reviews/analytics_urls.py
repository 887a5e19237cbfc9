from django.urls import path

from stretch.reviews import analytics_views

urlpatterns = [
    path("analytics/", analytics_views.analytics_page, name="analytics"),
    path("analytics/export.csv", analytics_views.analytics_export, name="analytics-export"),
]
