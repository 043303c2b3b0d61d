from __future__ import annotations

from typing import Any

import factory
from allauth.account.models import EmailAddress

from courses.models import Course, Lesson
from literasi.models import EmployeeKind, Province, User
from literasi.services import registrations_count
from quizzes.models import Quiz

PASSWORD = "kata-sandi-uji-123"


def _verified(user: User, create: bool, extracted: bool | None, **kwargs: object) -> None:
    """UserFactory's ``verified``: saves the user (with its password) and, unless
    ``verified=False``, gives them a verified primary email address as allauth keeps it."""
    user.save()
    if create:  # counted as the services count every account they make
        registrations_count(changes={(user.province_id, user.employee_kind): 1})
    if create and extracted is not False:
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"pengguna{n}@contoh.go.id")
    full_name = factory.Faker("name", locale="id_ID")
    employee_kind = EmployeeKind.PNS
    instansi = "Pemerintah Provinsi Jawa Barat"
    jabatan = "Analis Kebijakan"
    province = factory.LazyFunction(lambda: Province.objects.get(code="32"))
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    verified = factory.PostGeneration(_verified)


class CourseFactory(factory.django.DjangoModelFactory[Course]):
    class Meta:
        model = "courses.Course"

    slug = factory.Sequence(lambda n: f"kursus-{n}")
    title = factory.Sequence(lambda n: f"Kursus {n}")
    summary = "Ringkasan kursus."
    status = "published"
    enrolment = "open"
    pillars = factory.LazyFunction(lambda: ["aman-digital"])


class LessonFactory(factory.django.DjangoModelFactory[Lesson]):
    class Meta:
        model = "courses.Lesson"

    course = factory.SubFactory(CourseFactory)
    slug = factory.Sequence(lambda n: f"materi-{n}")
    title = factory.Sequence(lambda n: f"Materi {n}")
    order = factory.Sequence(lambda n: n)
    minutes = 15
    body_md = "Isi materi."
    body_html = "<p>Isi materi.</p>"


def course_with_lessons(count: int = 3, **kwargs: Any) -> Course:
    from courses.services import course_refresh_minutes

    course = CourseFactory.create(**kwargs)
    for n in range(1, count + 1):
        LessonFactory.create(course=course, slug=f"materi-{n}", title=f"Materi {n}", order=n)
    course_refresh_minutes(course=course)
    return course


class QuizFactory(factory.django.DjangoModelFactory[Quiz]):
    class Meta:
        model = "quizzes.Quiz"

    course = factory.SubFactory(CourseFactory)
    slug = factory.Sequence(lambda n: f"kuis-{n}")
    title = "Evaluasi Akhir"
    minutes = 15
    pass_mark = 70
    max_attempts = 3


def quiz_with_questions(course: Course, *, count: int = 4, **kwargs: Any) -> Quiz:
    """A quiz whose question n has options A (right) and B, C (wrong); the last is multiple-answer
    with A and B right."""
    from quizzes.models import Option, Question

    quiz = QuizFactory.create(course=course, **kwargs)
    for n in range(1, count + 1):
        multiple = n == count and count > 1
        question = Question.objects.create(
            quiz=quiz,
            key=f"soal-{n}",
            kind=Question.Kind.MULTIPLE if multiple else Question.Kind.SINGLE,
            order=n,
            text_md=f"Soal nomor {n}?",
            text_html=f"<p>Soal nomor {n}?</p>",
            explanation_md=f"Pembahasan soal {n}.",
            explanation_html=f"<p>Pembahasan soal {n}.</p>",
        )
        for position, (text, right) in enumerate([("A", True), ("B", multiple), ("C", False)], start=1):
            Option.objects.create(question=question, position=position, text=f"Pilihan {text}", is_correct=right)
    return quiz
