from django.urls import path

from stretch.okrs import views

urlpatterns = [
    path("", views.my_okrs, name="home"),
    path("objectives/<int:objective_id>/", views.objective_detail, name="objective"),
    path("key-results/<int:key_result_id>/check-in/", views.check_in, name="check-in"),
    path("alignment/", views.alignment_tree, name="alignment"),
]
