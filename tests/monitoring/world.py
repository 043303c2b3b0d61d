"""A small world of provinces, courses, cohorts and learners, and every event that changes a
monitoring count, as functions of ids (so threads with their own connections can run them)."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError

from certificates import services as certificate_services
from certificates.models import Certificate
from cohorts import services as cohort_services
from cohorts.models import Cohort
from courses import services as course_services
from courses.models import Course, Enrolment, Lesson
from literasi.errors import Refusal
from literasi.models import EmployeeKind, Province, User
from literasi.services import learner_profile_saved, learner_province_move, registrations_rebuild
from quizzes import services as quiz_services
from quizzes.models import Attempt, Option, Quiz

from ..factories import UserFactory, course_with_lessons, quiz_with_questions

LEARNERS = 3
KINDS = [EmployeeKind.PNS, EmployeeKind.PPPK, EmployeeKind.WIDYAISWARA, EmployeeKind.OTHER, EmployeeKind.PNS]
AGENCIES = ["Pemerintah Provinsi Jawa Barat", "Pemerintah Kota Denpasar", "", "BPSDM Jawa Barat", "Kominfo"]


@dataclass(frozen=True)
class World:
    admin_id: int
    learner_ids: list[int]
    course_ids: list[int]  # [open course with a quiz, closed course without one]
    cohort_ids: list[int]  # [Jawa Barat of course 0, Bali of course 1, Bali of course 0]
    provinces: list[str]


def build_world() -> World:
    admin = User.objects.filter(is_national_admin=True).first() or UserFactory.create(
        email="admin.uji@kominfo.go.id", province_id="31", is_national_admin=True
    )
    open_course = course_with_lessons(2, slug="aman-digital", title="Aman Digital")
    Lesson.objects.filter(course=open_course).update(minutes=45)
    quiz_with_questions(open_course, count=2)
    course_services.course_refresh_minutes(course=open_course)  # 90 + 15 minutes: 2 JP
    closed_course = course_with_lessons(2, slug="netralitas", title="Netralitas ASN", enrolment="closed")
    jabar, bali = Province.objects.get(code="32"), Province.objects.get(code="51")
    cohorts = []
    for province, course in [(jabar, open_course), (bali, closed_course), (bali, open_course)]:
        cohorts.append(cohort_services.cohort_create(
            organiser=admin, province=province, course=course, name="Angkatan I", year=2026,
            start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 12, 31), capacity=100, status=Cohort.Status.OPEN,
        ))  # fmt: skip
    learners = [
        UserFactory.create(email=f"peserta{n}@contoh.go.id", province=jabar if n % 2 else bali, employee_kind=KINDS[n],
                    instansi=AGENCIES[n])
        for n in range(LEARNERS)
    ]  # fmt: skip
    registrations_rebuild()  # the factories made accounts outside the services
    return World(admin.pk, [u.pk for u in learners], [open_course.pk, closed_course.pk], [c.pk for c in cohorts],
                 ["32", "51", "11"])  # fmt: skip


def _enrolment(world: World, learner: int, course: int) -> Enrolment | None:
    return Enrolment.objects.filter(user_id=world.learner_ids[learner], course_id=world.course_ids[course]).first()


def enrol(world: World, learner: int, course: int) -> None:
    with contextlib.suppress(Refusal):
        course_services.enrolment_create(
            user=User.objects.get(pk=world.learner_ids[learner]), course=Course.objects.get(pk=world.course_ids[course])
        )


def join(world: World, learner: int, cohort: int) -> None:
    user = User.objects.get(pk=world.learner_ids[learner])
    try:
        cohort_services.participant_add(cohort=Cohort.objects.get(pk=world.cohort_ids[cohort]),
                                        actor=User.objects.get(pk=world.admin_id), email=user.email)  # fmt: skip
    except Refusal:
        pass
    except IntegrityError:
        # Known race outside the summary (left to the cohorts owners): the learner enrolled on
        # their own between participant_add's check and its insert. Its transaction is rolled
        # back whole, which is what the summary must survive.
        pass


def remove(world: World, learner: int, cohort: int) -> None:
    cohort_services.participant_remove(cohort=Cohort.objects.get(pk=world.cohort_ids[cohort]),
                                       actor=User.objects.get(pk=world.admin_id),
                                       learner_id=world.learner_ids[learner])  # fmt: skip


def _lesson(world: World, course: int, lesson: int) -> int:
    return Lesson.objects.filter(course_id=world.course_ids[course]).order_by("order")[lesson].pk


def visit(world: World, learner: int, course: int, lesson: int) -> None:
    enrolment = _enrolment(world, learner, course)
    if enrolment is not None and enrolment.removed_at is None:
        course_services.lesson_visit(enrolment=enrolment, lesson_id=_lesson(world, course, lesson))


def finish(world: World, learner: int, course: int, lesson: int) -> None:
    enrolment = _enrolment(world, learner, course)
    if enrolment is not None and enrolment.removed_at is None:
        course_services.lesson_complete(enrolment=enrolment, lesson_id=_lesson(world, course, lesson))


def take_quiz(world: World, learner: int, right: bool) -> None:
    quiz = Quiz.objects.get(course_id=world.course_ids[0])
    try:
        attempt = quiz_services.attempt_start(user=User.objects.get(pk=world.learner_ids[learner]), quiz=quiz)
    except Refusal:
        return
    answers = {str(item["q"]): sorted(Option.objects.filter(question_id=item["q"], is_correct=right)
                                      .values_list("pk", flat=True)) for item in attempt.layout}  # fmt: skip
    quiz_services.attempt_submit(attempt=attempt, answers=answers)
    quiz_services.attempt_grade(attempt_id=attempt.pk)


def regrade(world: World) -> None:
    quiz_services.quiz_regrade(quiz_id=Quiz.objects.get(course_id=world.course_ids[0]).pk)


def flip_key(world: World) -> None:
    """The quiz's answer key is corrected (every option of its first question swaps right and wrong)."""
    question = Quiz.objects.get(course_id=world.course_ids[0]).questions.order_by("order").first()
    assert question is not None
    for option in question.options.all():
        Option.objects.filter(pk=option.pk).update(is_correct=not option.is_correct)
    quiz_services.quiz_key_changed(quiz=question.quiz)


def move(world: World, learner: int, province: int) -> None:
    learner_province_move(actor=User.objects.get(pk=world.admin_id), learner=User.objects.get(pk=world.learner_ids[learner]),
                          province=Province.objects.get(code=world.provinces[province]), reason="Mutasi")  # fmt: skip


def certify(world: World, learner: int, course: int) -> None:
    enrolment = _enrolment(world, learner, course)
    if enrolment is None:
        return
    with contextlib.suppress(Refusal):
        certificate_services.certificate_issue_for_enrolment(
            enrolment=enrolment, actor=User.objects.get(pk=world.admin_id)
        )


def revoke(world: World, learner: int, course: int) -> None:
    certificate = Certificate.objects.filter(user_id=world.learner_ids[learner], course_id=world.course_ids[course],
                                             status=Certificate.Status.VALID).first()  # fmt: skip
    if certificate is not None:
        certificate_services.certificate_revoke(certificate=certificate, actor=User.objects.get(pk=world.admin_id),
                                                reason="Salah terbit")  # fmt: skip


def reissue(world: World, learner: int, course: int) -> None:
    certificate = Certificate.objects.filter(user_id=world.learner_ids[learner], course_id=world.course_ids[course],
                                             status=Certificate.Status.VALID).first()  # fmt: skip
    if certificate is not None:
        certificate_services.certificate_reissue(certificate=certificate, actor=User.objects.get(pk=world.admin_id),
                                                 full_name=certificate.snapshot["learner"]["name"] + " Putri")  # fmt: skip


_new_people = iter(range(10**6))


def join_new(world: World, cohort: int) -> None:
    """A person without an account is added to a cohort (a new account in its province)."""
    n = next(_new_people)
    cohort_services.participant_add(cohort=Cohort.objects.get(pk=world.cohort_ids[cohort]),
                                    actor=User.objects.get(pk=world.admin_id), email=f"baru{n}@contoh.go.id",
                                    full_name=f"Peserta Baru {n}", instansi=AGENCIES[n % len(AGENCIES)])  # fmt: skip


def edit_profile(world: World, learner: int, kind: int) -> None:
    """A national admin corrects the learner's kind of employee and agency in the admin."""
    user = User.objects.get(pk=world.learner_ids[learner])
    previous = User.objects.get(pk=user.pk)
    user.employee_kind, user.instansi = KINDS[kind], AGENCIES[kind]
    user.save()
    learner_profile_saved(user=user, previous=previous)


def unpublish(world: World, course: int) -> None:
    Course.objects.filter(pk=world.course_ids[course]).update(status=Course.Status.DRAFT)


EVENTS: dict[str, Callable[..., None]] = {
    "enrol": enrol, "join": join, "remove": remove, "visit": visit, "finish": finish, "take_quiz": take_quiz,
    "regrade": regrade, "flip_key": flip_key, "move": move, "certify": certify, "revoke": revoke, "reissue": reissue,
    "unpublish": unpublish, "join_new": join_new, "edit_profile": edit_profile,
}  # fmt: skip


def reset(world: World) -> None:
    """Back to the world as built: no enrolment, progress, attempt or certificate (concurrent tests)."""
    from certificates.models import CertificateEvent
    from cohorts.models import CohortEvent, Invitation
    from courses.models import LessonProgress, ProgressSummary, ProgressTally
    from literasi.models import ProvinceMove

    CertificateEvent.objects.all().delete()
    Certificate.objects.filter(replaces__isnull=False).delete()
    Certificate.objects.all().delete()
    Attempt.objects.all().delete()
    LessonProgress.objects.all().delete()
    ProgressTally.objects.all().delete()
    ProgressSummary.objects.all().delete()
    Invitation.objects.all().delete()
    CohortEvent.objects.all().delete()
    Enrolment.objects.all().delete()
    ProvinceMove.objects.all().delete()
    for n, pk in enumerate(world.learner_ids):
        User.objects.filter(pk=pk).update(province_id="32" if n % 2 else "51")
    Course.objects.filter(pk__in=world.course_ids).update(status=Course.Status.PUBLISHED)
    User.objects.filter(email__startswith="baru").delete()
    for n, pk in enumerate(world.learner_ids):
        User.objects.filter(pk=pk).update(employee_kind=KINDS[n], instansi=AGENCIES[n])
    registrations_rebuild()
