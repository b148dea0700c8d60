"""Users in the admin: deactivate by default, delete when chosen.

Deactivating keeps a user's chats and query runs (the history and dashboard figures stay
whole) and stops them signing in or using their API tokens. Deleting is still offered; it
then deletes their chats, and their query runs with them (QueryRun.owner cascades)."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from .models import ModelCall

User = get_user_model()

if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class DataChatUserAdmin(UserAdmin):
    list_display = ("username", "email", "is_active", "is_staff", "last_login")
    list_filter = ("is_active", "is_staff", "is_superuser")
    actions = ["deactivate_users", "reactivate_users"]

    def get_actions(self, request):
        # Deactivating first: the action an admin meets before "Delete selected".
        actions = super().get_actions(request)
        first = {
            k: actions.pop(k) for k in ("deactivate_users", "reactivate_users") if k in actions
        }
        return {**first, **actions}

    @admin.action(description="Deactivate selected users (keeps their chats and runs)")
    def deactivate_users(self, request, queryset):
        changed = queryset.exclude(pk=request.user.pk).update(is_active=False)
        if queryset.filter(pk=request.user.pk).exists():
            self.message_user(request, "You cannot deactivate yourself.", messages.WARNING)
        self.message_user(request, f"Deactivated {changed} user{'s' * (changed != 1)}.")

    @admin.action(description="Reactivate selected users")
    def reactivate_users(self, request, queryset):
        changed = queryset.update(is_active=True)
        self.message_user(request, f"Reactivated {changed} user{'s' * (changed != 1)}.")

    def delete_view(self, request, object_id, extra_context=None):
        if request.method == "GET":
            self.message_user(
                request,
                "Deleting a user also deletes their chats and query runs. To keep them, "
                "deactivate the user instead (the action on the users list, or untick Active).",
                messages.WARNING,
            )
        return super().delete_view(request, object_id, extra_context)


@admin.register(ModelCall)
class ModelCallAdmin(admin.ModelAdmin):
    """The model's audit log, read-only: what was sent is a record, not something to edit."""

    list_display = ("created_at", "user", "purpose", "model", "databases", "prompt_tokens", "error")
    list_filter = ("kind", "purpose", "model")
    search_fields = ("user__username", "reply", "error")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
