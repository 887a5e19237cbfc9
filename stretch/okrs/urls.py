from django.urls import path

from stretch.okrs import coach_views, editor, explore, key_results, views, weekly

urlpatterns = [
    path("", views.my_okrs, name="home"),
    path("check-in/", weekly.weekly_check_in, name="weekly-check-in"),
    path("explore/", explore.explore, name="explore"),
    path("objectives/new/", editor.new_objective, name="objective-new"),
    path("objectives/parents/", editor.parent_options, name="objective-parents"),
    path("objectives/coach/", coach_views.coach_panel, name="objective-coach"),
    path("objectives/<int:objective_id>/", views.objective_detail, name="objective"),
    path("objectives/<int:objective_id>/edit/", editor.edit_objective, name="objective-edit"),
    path("key-results/<int:key_result_id>/", key_results.key_result_detail, name="key-result"),
    path("key-results/<int:key_result_id>/check-in/", views.check_in, name="check-in"),
    path("key-results/<int:key_result_id>/grade/", views.grade_key_result, name="key-result-grade"),
    path("objectives/<int:objective_id>/grade/", views.grade_objective, name="objective-grade"),
    path("cycles/", views.cycles, name="cycles"),
    path("cycles/<int:cycle_id>/phase/", views.cycle_phase, name="cycle-phase"),
    path("alignment/", views.alignment_tree, name="alignment"),
]
