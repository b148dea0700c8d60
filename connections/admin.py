from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.shortcuts import redirect
from django.utils.html import format_html, format_html_join

from . import services
from .dialects import dialect_class
from .forms import ConnectionAdminForm
from .models import Connection, ConnectionGroup, DatabaseSelection


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    form = ConnectionAdminForm
    list_display = [
        "name",
        "kind",
        "target",
        "is_default",
        "is_active",
        "tag_list",
        "last_test",
        "credentials",
        "privileges",
    ]
    list_filter = ["kind", "is_active", "is_default"]
    search_fields = ["name", "host", "database"]
    actions = ["test_selected", "make_default", "activate", "deactivate"]
    readonly_fields = [
        "last_test_ok",
        "last_test_message",
        "last_tested_at",
        "privilege_report",
        "privileges_checked_at",
        "privileged_allowed_by",
        "privileged_allowed_at",
        "created_by",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["name", "description", "tags", "color", "is_active", "make_default"]}),
        (
            "Where to connect",
            {
                "fields": [
                    "connection_url",
                    "kind",
                    "host",
                    "port",
                    "database",
                    "username",
                    "password",
                    "options",
                ],
                # Each kind's credentials template (the dialect class says what it needs).
                "description": format_html_join(
                    "",
                    "<p><strong>{}</strong>: {}</p>",
                    (
                        (dialect_class(kind).label, dialect_class(kind).credentials_template)
                        for kind in ("redshift", "bigquery")
                    ),
                ),
            },
        ),
        (
            "Data sent to a model",
            {
                "fields": ["data_exposure"],
                "description": "schema: names, types, keys and comments only; profiles: plus "
                "counts and statistics, no raw values; values: plus representative values and "
                "sample rows (sensitive columns masked). Blank: DATA_EXPOSURE_DEFAULT. See "
                "README, Data exposure.",
            },
        ),
        ("Test", {"fields": ["skip_test", "last_test_ok", "last_test_message", "last_tested_at"]}),
        (
            "Least privilege",
            {
                "fields": [
                    "privilege_report",
                    "privileges_checked_at",
                    "allow_privileged",
                    "privileged_allowed_by",
                    "privileged_allowed_at",
                ],
                "description": "DataChat refuses an account that can do more than read, "
                "unless you allow it here. See README, Security.",
            },
        ),
        ("History", {"fields": ["created_by", "created_at", "updated_at"]}),
    ]

    @admin.display(description="Host / database")
    def target(self, obj):
        return obj.display_target

    @admin.display(description="Tags")
    def tag_list(self, obj):
        return ", ".join(obj.tags or [])

    @admin.display(description="Last test")
    def last_test(self, obj):
        if obj.last_test_ok is None:
            return "never"
        return format_html(
            '<span class="{}">{}</span> {}<br><small>{}</small>',
            "test-ok" if obj.last_test_ok else "test-failed",
            "ok" if obj.last_test_ok else "failed",
            obj.last_test_message,
            obj.last_tested_at.strftime("%Y-%m-%d %H:%M") if obj.last_tested_at else "",
        )

    @admin.display(description="Credentials")
    def credentials(self, obj):
        # A row whose password no configured key decrypts still lists, flagged.
        if obj.credentials_unreadable:
            return format_html('<strong class="test-failed">{}</strong>', "credentials unreadable")
        return ""

    @admin.display(description="Privileges")
    def privileges(self, obj):
        if obj.privileged:
            return format_html(
                '<strong class="test-failed" title="{}">privileged account</strong>',
                "; ".join(obj.privilege_problems),
            )
        return ""

    @admin.display(description="What the account may do beyond reading")
    def privilege_report(self, obj):
        if obj.privileges_checked_at is None:
            return "not checked yet (test the connection)"
        if not obj.privilege_problems:
            return "nothing: read-only"
        return format_html(
            "<ul>{}</ul>",
            format_html_join("", "<li>{}</li>", ((p,) for p in obj.privilege_problems)),
        )

    def save_model(self, request, obj, form, change):
        services.save_connection(form, request.user)  # `obj` is form.instance

    def response_add(self, request, obj, post_url_continue=None):
        # A new database is useless until its schema is known: land on its page, which
        # offers "Extract schema" right away (unless the admin asked to add another).
        if (
            "_addanother" in request.POST
            or "_continue" in request.POST
            or IS_POPUP_VAR in request.POST
        ):
            return super().response_add(request, obj, post_url_continue)
        self.message_user(
            request, f"Added {obj.name}. Extract its schema now to start asking questions."
        )
        return redirect("database_detail", connection_id=obj.pk)

    @admin.action(description="Test connection")
    def test_selected(self, request, queryset):
        for connection in queryset:
            result = services.test_connection(connection)
            level = messages.SUCCESS if result.ok else messages.ERROR
            self.message_user(request, f"{connection.name}: {result.message}", level)

    @admin.action(description="Set as default")
    def make_default(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(
                request, "Select exactly one connection to make default.", messages.ERROR
            )
            return
        connection = queryset.get()
        services.set_default_connection(connection)
        self.message_user(request, f"{connection.name} is now the default database.")

    @admin.action(description="Activate")
    def activate(self, request, queryset):
        count = queryset.update(is_active=True)
        self.message_user(request, f"Activated {count} connection(s).")

    @admin.action(description="Deactivate")
    def deactivate(self, request, queryset):
        count = queryset.update(is_active=False)
        self.message_user(request, f"Deactivated {count} connection(s).")


@admin.register(DatabaseSelection)
class DatabaseSelectionAdmin(admin.ModelAdmin):
    list_display = ["user", "connection", "updated_at"]
    list_filter = ["connection"]
    search_fields = ["user__username", "connection__name"]
    list_select_related = ["user", "connection"]


@admin.register(ConnectionGroup)
class ConnectionGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "member_list", "created_by", "updated_at"]
    search_fields = ["name", "description", "members__name"]
    filter_horizontal = ["members"]  # a two-list picker with a filter box
    readonly_fields = ["created_by", "created_at", "updated_at"]
    fields = ["name", "description", "members", "created_by", "created_at", "updated_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("members")

    @admin.display(description="Members")
    def member_list(self, group):
        return ", ".join(c.name for c in group.members.all()) or "—"

    def save_model(self, request, obj, form, change):
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
