from django.contrib.auth.middleware import LoginRequiredMiddleware


class LoginRequiredExceptApiMiddleware(LoginRequiredMiddleware):
    """Every page needs a signed-in user unless it opts out with `login_not_required`.

    The JSON API answers 401 itself (session or bearer token), so it is left to Ninja rather
    than redirected to the login page.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
