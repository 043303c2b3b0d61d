"""An organiser enrols only people of the cohort's province (or new accounts): nobody else's data
reaches their cohort page, nobody else's completion moves to their province, and removing someone
never takes away a course they had on their own."""

from __future__ import annotations

import pytest
from django.utils import translation

from cohorts import services
from cohorts.models import CohortEvent
from courses.models import Enrolment, LessonProgress
from courses.services import enrolment_create, lesson_complete
from literasi.errors import Refusal
from literasi.models import ProvinceMove, User
from literasi.services import learner_province_move

from ..factories import UserFactory
from .conftest import confirm_and_apply, upload_and_check

pytestmark = pytest.mark.django_db

ANOTHER_PROVINCE = "terdaftar di provinsi lain"


@pytest.fixture
def learner_of_jabar(jabar) -> User:
    return UserFactory.create(
        email="ani@jabarprov.go.id", full_name="Ani Jabar", nip="198609262015052001", province=jabar
    )


def row_outcome(upload, number: int = 2) -> tuple[str, str]:
    row = upload.rows.get(row_number=number)
    return row.outcome, row.message


def test_an_organiser_of_bali_cannot_upload_a_learner_of_jawa_barat(cohort_bali, organiser_bali,
                                                                   learner_of_jabar) -> None:  # fmt: skip
    with translation.override("id"):
        upload = upload_and_check(cohort_bali, organiser_bali, [";Ani;ani@jabarprov.go.id;;"])
        outcome, message = row_outcome(upload)
    assert outcome == "error" and ANOTHER_PROVINCE in message and "admin nasional" in message.lower()
    assert "Jawa Barat" not in message and "32" not in message
    confirm_and_apply(upload, organiser_bali)
    assert not Enrolment.objects.filter(user=learner_of_jabar).exists()


def test_by_hand_the_same_refusal_and_the_learner_stays_untouched(cohort_bali, organiser_bali, learner_of_jabar,
                                                                  course) -> None:  # fmt: skip
    own = enrolment_create(user=learner_of_jabar, course=course) if course.is_open else None
    with translation.override("id"), pytest.raises(Refusal, match=ANOTHER_PROVINCE):
        services.participant_add(cohort=cohort_bali, actor=organiser_bali, email="ANI@jabarprov.go.id")
    assert list(Enrolment.objects.filter(user=learner_of_jabar)) == ([own] if own else [])
    learner_of_jabar.refresh_from_db()
    assert learner_of_jabar.province_id == "32"


def test_the_province_is_checked_before_the_nip_so_nothing_else_is_confirmed(cohort_bali, organiser_bali,
                                                                             learner_of_jabar) -> None:  # fmt: skip
    """Right NIP, wrong NIP or none: an account of another province gets the same words."""
    with translation.override("id"):
        upload = upload_and_check(cohort_bali, organiser_bali, [
            "198609262015052001;Ani;ani@jabarprov.go.id;;",  # its own NIP
            "198609262015051001;Ani;ani@jabarprov.go.id;;",  # another NIP (a duplicate email too)
        ])  # fmt: skip
        upload_other = upload_and_check(cohort_bali, organiser_bali, ["198609262015051001;Ani;ani@jabarprov.go.id;;"])
    assert row_outcome(upload)[1] == row_outcome(upload_other)[1]
    assert ANOTHER_PROVINCE in row_outcome(upload)[1]


@pytest.mark.parametrize("staff", ["organiser_jabar", "organiser_bali", "national_admin"])
def test_staff_accounts_are_never_enrolled_by_an_organiser(request, staff, cohort_bali, organiser_bali, bali) -> None:
    person = request.getfixturevalue(staff)
    if person.province_id != "51":
        User.objects.filter(pk=person.pk).update(province=bali)  # even one living in Bali
    with translation.override("id"):
        upload = upload_and_check(cohort_bali, organiser_bali, [f";Staf;{person.email};;"])
    outcome, message = row_outcome(upload)
    assert outcome == "error" and "tidak didaftarkan ke angkatan" in message
    assert not Enrolment.objects.filter(user=person).exists()


def test_a_nip_in_use_elsewhere_gets_the_words_of_a_nip_in_use_here(cohort_bali, organiser_bali, learner_of_jabar,
                                                                    bali) -> None:  # fmt: skip
    UserFactory.create(email="wayan@baliprov.go.id", nip="198501012010011002", province=bali)
    with translation.override("id"):
        upload = upload_and_check(cohort_bali, organiser_bali, [
            "198609262015052001;Orang Baru;baru1@contoh.go.id;;",  # the NIP of a learner of Jawa Barat
            "198501012010011002;Orang Baru;baru2@contoh.go.id;;",  # the NIP of a learner of Bali
        ])  # fmt: skip
    elsewhere, here = row_outcome(upload, 2), row_outcome(upload, 3)
    assert elsewhere == here and elsewhere[0] == "error"
    assert "Jawa Barat" not in elsewhere[1] and "@" not in elsewhere[1]


def test_a_learner_of_the_province_is_linked_and_their_own_enrolment_kept(cohort_bali, organiser_bali, bali,
                                                                         course) -> None:  # fmt: skip
    course.enrolment = "open"
    course.save()
    made = UserFactory.create(email="made@baliprov.go.id", province=bali)
    own = enrolment_create(user=made, course=course)
    lesson_complete(enrolment=own, lesson_id=course.lessons.first().pk)
    services.participant_add(cohort=cohort_bali, actor=organiser_bali, email=made.email)
    own.refresh_from_db()
    assert (own.cohort_id, own.province_id) == (cohort_bali.pk, "51")

    assert services.participant_remove(cohort=cohort_bali, actor=organiser_bali, learner_id=made.pk)
    own.refresh_from_db()
    # Removed from the cohort, not from the course they had enrolled in themselves.
    assert (own.cohort_id, own.removed_at, own.province_id) == (None, None, "51")
    assert LessonProgress.objects.filter(user=made).count() == 1
    assert CohortEvent.objects.filter(cohort=cohort_bali, learner=made, action="removed").exists()
    assert not services.participant_remove(cohort=cohort_bali, actor=organiser_bali, learner_id=made.pk)


def test_a_participant_the_organiser_enrolled_loses_access_when_removed(cohort_bali, organiser_bali) -> None:
    services.participant_add(cohort=cohort_bali, actor=organiser_bali, email="baru@contoh.go.id", full_name="Baru")
    enrolment = Enrolment.objects.get(user__email="baru@contoh.go.id")
    assert enrolment.user.province_id == "51"  # a new account belongs to the cohort's province
    services.participant_remove(cohort=cohort_bali, actor=organiser_bali, learner_id=enrolment.user_id)
    enrolment.refresh_from_db()
    assert enrolment.removed_at is not None


def test_a_national_admin_moves_a_learner_and_it_is_audited(national_admin, organiser_bali, learner_of_jabar, bali,
                                                            cohort_bali, course) -> None:  # fmt: skip
    course.enrolment = "open"
    course.save()
    own = enrolment_create(user=learner_of_jabar, course=course)
    with pytest.raises(Refusal):
        learner_province_move(actor=organiser_bali, learner=learner_of_jabar, province=bali, reason="Pindah tugas")
    with pytest.raises(Refusal):
        learner_province_move(actor=national_admin, learner=learner_of_jabar, province=bali, reason="  ")
    move = learner_province_move(actor=national_admin, learner=learner_of_jabar, province=bali, reason="Mutasi")
    assert move is not None
    assert (move.from_province_id, move.to_province_id, move.moved_by, move.reason) == ("32", "51", national_admin,
                                                                                        "Mutasi")  # fmt: skip
    own.refresh_from_db()
    assert own.province_id == "51"  # their own enrolment counts where they now are
    assert learner_province_move(actor=national_admin, learner=learner_of_jabar, province=bali, reason="x") is None
    assert ProvinceMove.objects.count() == 1
    # Now Bali's organiser may enrol them.
    services.participant_add(cohort=cohort_bali, actor=organiser_bali, email=learner_of_jabar.email)
    own.refresh_from_db()
    assert own.cohort_id == cohort_bali.pk


def test_a_cohort_enrolment_stays_with_its_cohort_when_the_learner_moves(national_admin, cohort_bali, organiser_bali,
                                                                         jabar) -> None:  # fmt: skip
    services.participant_add(cohort=cohort_bali, actor=organiser_bali, email="baru@contoh.go.id", full_name="Baru")
    learner = User.objects.get(email="baru@contoh.go.id")
    learner_province_move(actor=national_admin, learner=learner, province=jabar, reason="Mutasi")
    assert Enrolment.objects.get(user=learner).province_id == "51"


def test_the_cohort_page_never_shows_a_learner_of_another_province(client, cohort_bali, organiser_bali,
                                                                   learner_of_jabar) -> None:  # fmt: skip
    client.force_login(organiser_bali)
    response = client.post(f"/penyelenggara/angkatan/{cohort_bali.pk}/peserta/tambah/",
                           {"email": learner_of_jabar.email}, follow=True)  # fmt: skip
    html = response.content.decode()
    assert ANOTHER_PROVINCE in html
    assert learner_of_jabar.nip not in html and learner_of_jabar.full_name not in html
    services.participant_add(cohort=cohort_bali, actor=organiser_bali, email="baru@contoh.go.id", full_name="Baru")
    export = client.get(f"/penyelenggara/angkatan/{cohort_bali.pk}/ekspor.csv")
    assert export.status_code == 200
    content = b"".join(export.streaming_content if export.streaming else [export.content]).decode()
    assert "baru@contoh.go.id" in content and learner_of_jabar.email not in content
