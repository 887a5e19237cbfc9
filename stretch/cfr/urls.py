from django.urls import include, path

from stretch.cfr import feedback_views, views

urlpatterns = [
    path("one-on-ones/", views.one_on_ones, name="one-on-ones"),
    path("one-on-ones/<int:conversation_id>/", views.one_on_one, name="one-on-one"),
    path(
        "one-on-ones/<int:conversation_id>/agenda/",
        views.add_agenda_item,
        name="one-on-one-agenda",
    ),
    path(
        "one-on-ones/<int:conversation_id>/meetings/<int:meeting_id>/",
        views.update_meeting,
        name="one-on-one-meeting",
    ),
    path(
        "one-on-ones/<int:conversation_id>/meetings/<int:meeting_id>/note/",
        views.private_note,
        name="one-on-one-note",
    ),
    path(
        "one-on-ones/<int:conversation_id>/actions/",
        views.add_action_item,
        name="one-on-one-actions",
    ),
    path(
        "one-on-ones/<int:conversation_id>/actions/<int:item_id>/done/",
        views.complete_action_item,
        name="one-on-one-action-done",
    ),
    path("feedback/", feedback_views.feedback_page, name="feedback"),
    path("feedback/give/", feedback_views.give, name="feedback-give"),
    path("feedback/ask/", feedback_views.ask, name="feedback-ask"),
    path(
        "feedback/requests/<int:request_id>/answer/",
        feedback_views.answer,
        name="feedback-answer",
    ),
    path(
        "feedback/requests/<int:request_id>/decline/",
        feedback_views.decline,
        name="feedback-decline",
    ),
    path("", include("stretch.cfr.recognition_urls")),
]
