"""The interface is Bahasa Indonesia first: a page rendered in Indonesian shows no string that
has no Indonesian translation, and every field label and admin column comes from a translation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Container

import pytest
from django.apps import apps
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import trans_real

from cohorts import services as cohort_services
from cohorts.models import Upload
from courses.services import enrolment_create
from quizzes import services as quiz_services

from ..factories import course_with_lessons, quiz_with_questions

pytestmark = pytest.mark.django_db

OUR_APPS = ("literasi", "courses", "quizzes", "cohorts")
LOOKUPS = ("gettext", "ngettext", "pgettext", "npgettext")


def catalogue_of(language: str) -> Container[object]:
    """The messages ``language``'s translation holds (ours, Django's, allauth's merged): the
    lookup gettext itself makes. ``_catalog`` is private to gettext, so typeshed leaves it out."""
    return trans_real.translation(language)._catalog  # type: ignore[attr-defined]


@pytest.fixture
def untranslated(monkeypatch) -> set[str]:
    """Every message looked up while Indonesian is active that no catalogue (ours, Django's,
    allauth's) translates. The lookup functions are wrapped where django.utils.translation
    keeps them, so template tags, lazy strings and code all pass through."""
    missing: set[str] = set()
    catalogue = catalogue_of("id")

    def known(message: str | tuple[str, int]) -> bool:  # ngettext's entries are (message, n)
        return message in catalogue

    def wrap(name: str):
        original = getattr(trans_real, name)

        def lookup(*args: str) -> str:
            if translation.get_language() == "id":
                context = args[0] if name.startswith("p") else None
                for message in args[1:] if context else args[:1]:
                    key = f"{context}\x04{message}" if context else message
                    if not known(key) and not (name.endswith("ngettext") and known((key, 0))):
                        missing.add(message)
            return original(*args)

        return lookup

    for name in LOOKUPS:
        # Where django.utils.translation keeps the functions it hands out (its private _trans).
        monkeypatch.setattr(f"django.utils.translation._trans.{name}", wrap(name), raising=False)
    return missing


@pytest.fixture
def platform(learner, organiser_jabar, jabar):
    course = course_with_lessons(2, slug="netralitas", title="Netralitas ASN")
    quiz = quiz_with_questions(course, count=3)
    enrolment_create(user=learner, course=course)
    attempt = quiz_services.attempt_start(user=learner, quiz=quiz)
    cohort = cohort_services.cohort_create(
        organiser=organiser_jabar, province=jabar, course=course, name="Angkatan I", year=2026,
        start_date=dt.date(2026, 12, 1), end_date=dt.date(2026, 12, 31), capacity=10, status="open",
    )  # fmt: skip
    cohort_services.participant_add(cohort=cohort, actor=organiser_jabar, email="baru@contoh.go.id", full_name="Baru")
    upload = Upload.objects.create(cohort=cohort, uploaded_by=organiser_jabar, original_name="peserta.csv",
                                            state=Upload.State.READY, file="uploads/peserta.csv")  # fmt: skip
    return {"course": course, "quiz": quiz, "attempt": attempt, "cohort": cohort, "upload": upload}


def shown_untranslated(client, urls: list[str], untranslated: set[str]) -> dict[str, list[str]]:
    found = {}
    for url in urls:
        untranslated.clear()
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        if shown := sorted(m for m in untranslated if m.strip() and m in html):
            found[url] = shown
    return found


def test_visitor_and_learner_pages_are_all_indonesian(client, platform, learner, untranslated) -> None:
    public = ["/", "/akun/login/", "/akun/signup/", "/akun/password/reset/", "/kursus/", "/kursus/netralitas/"]
    assert shown_untranslated(client, public, untranslated) == {}
    client.force_login(learner)
    attempt = platform["attempt"]
    learner_pages = ["/", "/kursus/saya/", "/kursus/netralitas/", "/kursus/netralitas/materi/materi-1/",
                     f"/kuis/{platform['quiz'].pk}/", f"/kuis/percobaan/{attempt.pk}/"]  # fmt: skip
    assert shown_untranslated(client, learner_pages, untranslated) == {}


def test_organiser_pages_are_all_indonesian(client, platform, organiser_jabar, untranslated) -> None:
    client.force_login(organiser_jabar)
    cohort, upload = platform["cohort"], platform["upload"]
    pages = ["/penyelenggara/", "/penyelenggara/angkatan/baru/", f"/penyelenggara/angkatan/{cohort.pk}/",
             f"/penyelenggara/angkatan/{cohort.pk}/ubah/", f"/penyelenggara/unggahan/{upload.pk}/",
             "/pemantauan/provinsi/32/?kursus=x&urut=y", "/pemantauan/jp/?tahun=x",
             f"/pemantauan/jp/peserta/{organiser_jabar.pk}/"]  # fmt: skip
    assert shown_untranslated(client, pages, untranslated) == {}


def test_national_admin_pages_are_all_indonesian(client, platform, national_admin, untranslated) -> None:
    client.force_login(national_admin)
    pages = ["/penyelenggara/", "/pemantauan/?jenis=x&mode=y&tahun=z", "/pemantauan/jp/?provinsi=32", "/admin/",
             "/admin/literasi/user/", "/admin/courses/course/",
             "/admin/courses/enrolment/", "/admin/quizzes/attempt/",
             "/admin/literasi/provincemove/", "/admin/literasi/provincemove/add/",
             f"/admin/courses/course/{platform['course'].pk}/change/"]  # fmt: skip
    assert shown_untranslated(client, pages, untranslated) == {}


def test_every_field_of_our_models_has_a_translated_name() -> None:
    """Labels and admin column headers come from field names: an untranslated one shows in English
    ("Province:", "USER / COURSE / PROVINCE")."""
    unnamed = []
    for model in apps.get_models():
        if model._meta.app_label not in OUR_APPS:
            continue
        for field in model._meta.get_fields():
            if field.auto_created or not hasattr(field, "verbose_name"):
                continue
            if not isinstance(field.verbose_name, Promise):
                unnamed.append(f"{model._meta.label}.{field.name}")
                continue
            with translation.override("id"):
                shown = str(field.verbose_name)
            with translation.override("en"):
                english = str(field.verbose_name)
            if shown == english and english not in catalogue_of("id"):
                unnamed.append(f"{model._meta.label}.{field.name} ({english!r} has no translation)")
    assert unnamed == []
