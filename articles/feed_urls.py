"""Feed addresses at Blogger's paths: /feeds/posts/default, per label, comments."""

urlpatterns = []
