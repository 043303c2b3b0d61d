from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from literasi.admin import LabelledTabularInline, ReadOnlyAdmin

from .models import Course, Enrolment, Lesson
from .services import course_lessons_changed, course_save_from_admin, lesson_save_from_admin


class LessonInline(LabelledTabularInline):
    model = Lesson
    fields = ("order", "title", "slug", "minutes", "is_published")
    show_change_link = True
    extra = 0
    can_delete = False  # unpublish instead: learners' progress points at lessons


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ("title", "status", "enrolment", "minutes", "jp", "order")
    list_filter = ("status", "enrolment")
    search_fields = ("title", "slug")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("minutes", "jp", "preview")
    fields = ("title", "slug", "summary", "pillars", "status", "enrolment", "order", "description_md",
              "preview", "minutes", "jp")  # fmt: skip
    inlines = (LessonInline,)

    @admin.display(description=_("JP"))
    def jp(self, course: Course) -> int:
        return course.jp

    @admin.display(description=_("Preview"))
    def preview(self, course: Course) -> str:
        # Stored HTML is already sanitised (courses.markdown) when the course was saved.
        return format_html('<div class="literasi-preview">{}</div>', mark_safe(course.description_html))  # noqa: S308

    def save_model(self, request: HttpRequest, obj: Course, form, change: bool) -> None:
        course_save_from_admin(course=obj)

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        course_lessons_changed(course=form.instance)  # minutes, JP and the cached structure


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    list_display = ("title", "course", "order", "minutes", "is_published")
    list_filter = ("course", "is_published")
    list_select_related = ("course",)
    search_fields = ("title", "slug")
    readonly_fields = ("preview",)
    fields = ("course", "title", "slug", "order", "minutes", "is_published", "body_md", "preview")

    @admin.display(description=_("Preview (as learners see it; saved content)"))
    def preview(self, lesson: Lesson) -> str:
        return format_html('<div class="literasi-preview">{}</div>', mark_safe(lesson.body_html))  # noqa: S308

    def save_model(self, request: HttpRequest, obj: Lesson, form, change: bool) -> None:
        lesson_save_from_admin(lesson=obj)


@admin.register(Enrolment)
class EnrolmentAdmin(ReadOnlyAdmin):
    # Enrolments change through the platform's services (enrolment, cohorts, province moves, all
    # audited); the admin shows them.
    list_display = ("user", "course", "province", "enrolled_at", "last_activity_at", "completed_at")
    list_filter = ("course", "province")
    list_select_related = ("user", "course", "province")
    search_fields = ("user__email", "user__full_name", "user__nip")
    raw_id_fields = ("user", "last_lesson")
    readonly_fields = ("enrolled_at", "last_activity_at", "completed_at")
