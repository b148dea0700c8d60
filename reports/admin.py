from django import forms
from django.contrib import admin

from . import schedule
from .models import Report, ReportRun


class ReportRunInline(admin.TabularInline):
    model = ReportRun
    extra = 0
    can_delete = False
    fields = ("created_at", "trigger", "status", "attempts", "sentence", "error", "note")
    readonly_fields = fields
    ordering = ("-created_at",)
    max_num = 0  # runs are made by the scheduler and Run now, not by hand


class ReportForm(forms.ModelForm):
    class Meta:
        model = Report
        fields = [
            "owner",
            "name",
            "question",
            "databases",
            "group",
            "schedule",
            "is_active",
            "email_owner",
        ]

    def clean_schedule(self):
        try:
            schedule.parse(self.cleaned_data["schedule"])
        except schedule.ScheduleError as error:
            raise forms.ValidationError(str(error)) from None
        return self.cleaned_data["schedule"]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    form = ReportForm
    list_display = ("name", "owner", "schedule", "is_active", "email_owner", "last_scheduled_at")
    list_filter = ("is_active", "email_owner")
    search_fields = ("name", "question", "owner__username")
    filter_horizontal = ("databases",)
    readonly_fields = ("last_scheduled_at",)
    inlines = [ReportRunInline]
    actions = ["run_now"]

    @admin.action(description="Run the selected reports now")
    def run_now(self, request, queryset):
        from .service import start_run

        for report in queryset:
            start_run(report, trigger="manual")
        self.message_user(request, f"Started {queryset.count()} run(s).")


@admin.register(ReportRun)
class ReportRunAdmin(admin.ModelAdmin):
    list_display = ("report", "created_at", "trigger", "status", "attempts", "emailed_at")
    list_filter = ("status", "trigger")
    readonly_fields = [f.name for f in ReportRun._meta.fields]

    def has_add_permission(self, request):
        return False
