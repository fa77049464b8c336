"""The Django admin site: for super admins only, as the console and the API are.

Django's default site lets in any active staff member and then trusts model
permissions; here a staff member who is not a super admin gets the login page, not the
index. The models of other apps (auth, django_q's schedules) are served here too.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from hooks.access.login_throttle import AdminLoginForm


def is_super_admin(user) -> bool:
    return bool(user and user.is_active and user.is_superuser)


class SuperAdminAuthenticationForm(AdminLoginForm):
    """The throttled admin login form; it refuses non-super-admins like a wrong password."""

    def confirm_login_allowed(self, user) -> None:
        # AuthenticationForm's check (active), not the admin's (staff): the rule is ours.
        AuthenticationForm.confirm_login_allowed(self, user)
        if not is_super_admin(user):
            raise ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


class SuperAdminSite(admin.AdminSite):
    site_header = "Event Hooks Console administration"
    site_title = "Event Hooks Console admin"
    login_form = SuperAdminAuthenticationForm

    def has_permission(self, request) -> bool:
        return is_super_admin(request.user)

    def get_urls(self):
        # django.contrib.auth and django_q register on Django's default site when the
        # apps load; by the time the URLs are built they all have, so serve them here,
        # behind this site's check. The default site itself is not routed.
        for model, model_admin in admin.site._registry.items():
            if not self.is_registered(model):
                self.register(model, type(model_admin))
        return super().get_urls()


site = SuperAdminSite(name="admin")
