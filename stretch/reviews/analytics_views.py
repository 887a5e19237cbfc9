from django.http import HttpResponse


def analytics(request):
    return HttpResponse("")
