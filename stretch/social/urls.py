from django.urls import path

from stretch.social import feed_views, views

urlpatterns = [
    path("feed/", feed_views.feed_page, name="feed"),
    path("follow/", feed_views.follow, name="follow"),
    path("notifications/", views.inbox, name="notifications"),
    path("notifications/read-all/", views.read_all, name="notifications-read-all"),
    path("notifications/preferences/", views.preferences, name="notification-preferences"),
    path("notifications/<int:notification_id>/", views.open_notification, name="notification"),
    path("notifications/<int:notification_id>/read/", views.read_one, name="notification-read"),
]
