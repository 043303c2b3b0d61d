"""Bulk enrolment: every row's outcome before anything is written, one transaction to apply,
nothing twice, invitations after."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import IntegrityError
from django.utils import translation

from cohorts import services
from cohorts.models import CohortEvent, UploadRow
from courses.models import Enrolment
from devtools.pages import found
from literasi.errors import Refusal
from literasi.models import User

from ..factories import UserFactory
from .conftest import confirm_and_apply, make_cohort, upload_and_check

pytestmark = pytest.mark.django_db

GOOD = [
    "19860926 201505 1 001;Ni Luh Putu Ayu;ayu@baliprov.go.id;Diskominfos;Pranata Komputer",
    ";Bayu Prasetyo;bayu@contoh.go.id;BPSDM;Widyaiswara",
]


def outcomes(upload) -> list[tuple[int, str, str]]:
    return list(upload.rows.order_by("row_number").values_list("row_number", "outcome", "message"))


def test_cohorts_are_numbered_per_province_course_and_year(cohort_jabar, organiser_jabar, jabar, course) -> None:
    second = make_cohort(organiser_jabar, jabar, course, name="Angkatan II")
    next_year = make_cohort(organiser_jabar, jabar, course, name="2027", year=2027)
    assert (cohort_jabar.sequence, second.sequence, next_year.sequence) == (1, 2, 1)


def test_an_organiser_cannot_create_a_cohort_in_another_province(organiser_jabar, bali, course) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        make_cohort(organiser_jabar, bali, course)


def test_the_preview_lists_every_outcome_and_writes_nothing(cohort_jabar, organiser_jabar) -> None:
    UserFactory.create(email="lama@contoh.go.id", full_name="Sudah Punya Akun", nip=None)
    UserFactory.create(email="pemilik.nip@contoh.go.id", nip="198501012010011002")
    users_before = User.objects.count()
    with translation.override("id"):
        upload = upload_and_check(cohort_jabar, organiser_jabar, [
            *GOOD,
            ";Sudah Punya Akun;LAMA@contoh.go.id;;",                      # existing account, linked
            "198602302015052001;Tanggal Salah;salah.tgl@contoh.go.id;;",  # NIP: birth date
            "1986 0926;Pendek;pendek@contoh.go.id;;",                     # NIP: length
            "198609262015053001;Kelamin;kelamin@contoh.go.id;;",          # NIP: sex digit
            ";Bukan Email;bukan-email;;",                                 # malformed email
            ";Ganda;ayu@baliprov.go.id;;",                                # duplicate email in the file
            "198501012010011002;Orang Lain;baru@contoh.go.id;;",          # NIP of another account
        ])  # fmt: skip
    assert upload.state == "ready" and upload.counts == {"new": 2, "linked": 1, "already": 0, "error": 6}
    rows = {n: (o, m) for n, o, m in outcomes(upload)}
    assert rows[2][0] == rows[3][0] == "new" and rows[4][0] == "linked"
    assert "Tanggal lahir" in rows[5][1]
    assert "18 digit" in rows[6][1]
    assert "jenis kelamin" in rows[7][1]
    assert "email tidak valid" in rows[8][1].lower()
    assert "baris 2" in rows[9][1]
    assert "NIP ini sudah dipakai" in rows[10][1]
    assert not Enrolment.objects.exists() and User.objects.count() == users_before  # nothing written yet


def test_confirming_applies_the_valid_rows_and_invites_in_indonesian(cohort_jabar, organiser_jabar,
                                                                   django_capture_on_commit_callbacks) -> None:  # fmt: skip
    existing = UserFactory.create(email="lama@contoh.go.id")
    upload = upload_and_check(cohort_jabar, organiser_jabar, [*GOOD, ";Lama;lama@contoh.go.id;;", ";X;bukan;;"])
    with django_capture_on_commit_callbacks(execute=True):
        upload = confirm_and_apply(upload, organiser_jabar)
    assert upload.state == "applied"
    enrolled = Enrolment.objects.filter(cohort=cohort_jabar)
    assert sorted(enrolled.values_list("user__email", flat=True)) == ["ayu@baliprov.go.id", "bayu@contoh.go.id",
                                                                      existing.email]  # fmt: skip
    assert set(enrolled.values_list("province_id", flat=True)) == {"32"}
    ayu = User.objects.get(email="ayu@baliprov.go.id")
    assert (ayu.full_name, ayu.nip, ayu.instansi, ayu.has_usable_password()) == (
        "Ni Luh Putu Ayu", "198609262015051001", "Diskominfos", False)  # fmt: skip
    # Audit: who enrolled whom, from which upload.
    events = CohortEvent.objects.filter(cohort=cohort_jabar, action="enrolled")
    assert events.count() == 3 and set(events.values_list("actor", "upload")) == {(organiser_jabar.pk, upload.pk)}
    # Invitations: new accounts get a link to set a password, the existing one a notice.
    by_to = {m.to[0]: m for m in mail.outbox}
    assert "/akun/password/reset/key/" in by_to["ayu@baliprov.go.id"].body
    assert "Netralitas ASN" in by_to["ayu@baliprov.go.id"].subject
    assert "kata sandi" in by_to["ayu@baliprov.go.id"].body.lower()
    assert "/akun/password/reset/key/" not in by_to[existing.email].body


def test_uploading_the_same_file_again_changes_nothing(cohort_jabar, organiser_jabar) -> None:
    confirm_and_apply(upload_and_check(cohort_jabar, organiser_jabar, GOOD), organiser_jabar)
    users, enrolments = User.objects.count(), Enrolment.objects.count()
    again = upload_and_check(cohort_jabar, organiser_jabar, GOOD)
    assert again.counts["already"] == 2 and again.counts["new"] == 0
    confirm_and_apply(again, organiser_jabar)
    assert (User.objects.count(), Enrolment.objects.count()) == (users, enrolments)


def test_a_full_cohort_refuses_the_rows_beyond_its_capacity(organiser_jabar, jabar, course) -> None:
    small = make_cohort(organiser_jabar, jabar, course, capacity=1)
    upload = upload_and_check(small, organiser_jabar, GOOD)
    assert [o for _, o, _ in outcomes(upload)] == ["new", "error"]
    assert upload.rows.get(row_number=3).message == "Kuota angkatan sudah penuh."  # as the worker wrote it


def test_a_failure_while_applying_leaves_nothing_half_written(cohort_jabar, organiser_jabar, monkeypatch) -> None:
    upload = upload_and_check(cohort_jabar, organiser_jabar, GOOD)
    services.upload_confirm(upload=upload, actor=organiser_jabar)

    def broken(*args: object, **kwargs: object) -> None:
        raise IntegrityError("disk full, say")

    monkeypatch.setattr(CohortEvent.objects, "bulk_create", broken)  # the last step of the apply
    services.upload_apply(upload_id=upload.pk, actor_id=organiser_jabar.pk)
    assert not Enrolment.objects.exists()
    assert not User.objects.filter(email__in=["ayu@baliprov.go.id", "bayu@contoh.go.id"]).exists()
    upload.refresh_from_db()
    assert upload.state == "failed" and "tidak ada yang didaftarkan" in upload.error  # said, and uploadable again


def test_a_participant_in_another_cohort_of_the_course_is_refused(cohort_jabar, organiser_jabar, jabar, course) -> None:
    confirm_and_apply(upload_and_check(cohort_jabar, organiser_jabar, GOOD[:1]), organiser_jabar)
    other = make_cohort(organiser_jabar, jabar, course, name="Angkatan II")
    upload = upload_and_check(other, organiser_jabar, GOOD[:1])
    assert upload.counts["error"] == 1


def test_add_and_remove_one_participant_keeps_progress(cohort_jabar, organiser_jabar) -> None:
    from courses.models import LessonProgress
    from courses.services import lesson_complete

    outcome = services.participant_add(cohort=cohort_jabar, actor=organiser_jabar, email="satu@contoh.go.id",
                                       full_name="Satu Orang")  # fmt: skip
    assert outcome.outcome == UploadRow.Outcome.NEW
    enrolment = Enrolment.objects.get(user__email="satu@contoh.go.id")
    lesson_complete(enrolment=enrolment, lesson_id=cohort_jabar.course.lessons.first().pk)
    assert services.participant_remove(cohort=cohort_jabar, actor=organiser_jabar, learner_id=enrolment.user_id)
    enrolment.refresh_from_db()
    assert enrolment.removed_at is not None
    assert LessonProgress.objects.filter(user_id=enrolment.user_id).count() == 1  # kept
    assert list(CohortEvent.objects.values_list("action", flat=True)) == ["removed", "enrolled"]
    # Added back: the same enrolment, progress included.
    services.participant_add(cohort=cohort_jabar, actor=organiser_jabar, email="satu@contoh.go.id")
    enrolment.refresh_from_db()
    assert enrolment.removed_at is None and Enrolment.objects.filter(user_id=enrolment.user_id).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_learner_who_enrols_on_their_own_during_the_add_is_linked_not_a_500(
    cohort_jabar, organiser_jabar, monkeypatch
) -> None:
    """The organiser adds a learner who, at that moment, enrols in the course on their own (their
    own request, committed): the add's insert meets the unique constraint, and the add links the
    enrolment the learner just made instead of failing."""
    import threading

    from django.db import connection

    from courses.models import Course
    from courses.services import enrolment_create

    if connection.vendor != "postgresql":
        pytest.skip("two writers at once need PostgreSQL (SQLite runs one writer at a time)")
    learner = UserFactory.create(email="serentak@contoh.go.id", province=cohort_jabar.province)
    course = Course.objects.get(pk=cohort_jabar.course_id)
    course.enrolment = "open"
    course.save()
    real_check = services.rows_check
    raced: list[Enrolment] = []

    def the_learner_enrols() -> None:
        try:
            raced.append(enrolment_create(user=learner, course=course))
        finally:
            connection.close()

    def check_then_the_learner_enrols(**kwargs):
        outcomes = real_check(**kwargs)
        if not raced:  # after the check saw no enrolment, before the add writes one
            thread = threading.Thread(target=the_learner_enrols)
            thread.start()
            thread.join()
        return outcomes

    monkeypatch.setattr(services, "rows_check", check_then_the_learner_enrols)
    outcome = services.participant_add(cohort=cohort_jabar, actor=organiser_jabar, email=learner.email)
    assert outcome.outcome == UploadRow.Outcome.LINKED
    enrolment = Enrolment.objects.get(user=learner)
    assert (enrolment.pk, enrolment.cohort_id) == (raced[0].pk, cohort_jabar.pk)


def test_a_removed_participant_loses_access_to_a_closed_course(client, cohort_jabar, organiser_jabar) -> None:
    services.participant_add(cohort=cohort_jabar, actor=organiser_jabar, email="akses@contoh.go.id", full_name="A")
    learner = User.objects.get(email="akses@contoh.go.id")
    client.force_login(learner)
    url = f"/kursus/{cohort_jabar.course.slug}/materi/materi-1/"
    assert client.get(url).status_code == 200
    services.participant_remove(cohort=cohort_jabar, actor=organiser_jabar, learner_id=learner.pk)
    assert client.get(url).status_code == 404


def test_setting_the_password_from_the_invitation_verifies_the_address(client, cohort_jabar, organiser_jabar,
                                                                        django_capture_on_commit_callbacks) -> None:  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):
        services.participant_add(cohort=cohort_jabar, actor=organiser_jabar, email="undangan@contoh.go.id",
                                 full_name="Undangan")  # fmt: skip
    link = found(r"https?://[^/\s]+(/akun/password/reset/key/\S+/)", str(mail.outbox[-1].body))
    form_url = client.get(link)["Location"]
    response = client.post(form_url, {"password1": "Sandi-Baru-Kuat-1", "password2": "Sandi-Baru-Kuat-1"})
    assert response.status_code == 302
    response = client.post("/akun/login/", {"login": "undangan@contoh.go.id", "password": "Sandi-Baru-Kuat-1"})
    assert response.status_code == 302 and "confirm-email" not in response["Location"]


NIP_TABLE = [  # digits 13-14: a month or a PPPK code, on every path
    ("198609262015051001", None),  # PNS, TMT May 2015
    ("198904122022212008", None),  # NI PPPK, code 21
    ("198609262015131001", "nip_tmt_month"),  # month 13: neither a month nor a PPPK code
    ("198609262015001001", "nip_tmt_month"),  # month 00
    ("198609262015221001", "nip_tmt_month"),  # 22: not a PPPK code
    ("198602302015051001", "nip_birth_date"),
]


@pytest.mark.parametrize(("nip", "code"), NIP_TABLE)
def test_signup_uploads_and_adding_by_hand_share_one_nip_rule(nip, code, cohort_jabar, organiser_jabar) -> None:
    from django.core.exceptions import ValidationError

    from literasi.forms import ProfileSignupForm
    from literasi.nip import validate_nip

    expected = ""
    if code is not None:
        with pytest.raises(ValidationError) as error:
            validate_nip(nip)
        assert error.value.code == code
        expected = str(error.value.messages[0])
    upload = upload_and_check(cohort_jabar, organiser_jabar, [f"{nip};Peserta;peserta.{nip}@contoh.go.id;;"])
    row = upload.rows.get()
    assert (row.outcome, row.message) == (("error", expected) if code else ("new", ""))
    form = ProfileSignupForm(data={"full_name": "Peserta", "nip": nip, "employee_kind": "pns", "instansi": "X",
                                   "jabatan": "Y", "province": "32"})  # fmt: skip
    form.is_valid()
    assert form.errors.get("nip", [""])[0] == expected
    if code:
        with pytest.raises(Refusal, match=expected[:20]):
            services.participant_add(cohort=cohort_jabar, actor=organiser_jabar, email="tangan@contoh.go.id",
                                     full_name="Tangan", nip=nip)  # fmt: skip
