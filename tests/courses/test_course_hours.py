"""Every course's JP, computed here from its files by the formula in content/README.md, is what learners see.

The formula is written out again on purpose (not imported): a change to how the platform counts
time must be a change to the documented formula too, or this test fails.
"""

from __future__ import annotations

import re
from pathlib import Path

import frontmatter
import pytest
import yaml
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from courses.models import Course, Enrolment
from courses.services import content_sync

pytestmark = pytest.mark.django_db

SHIPPED = Path(settings.BASE_DIR) / "content"
STUDY_PACE = 150  # words per minute
MINUTES_PER_QUESTION = 1
MINUTES_PER_JP = 45
WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")


def words(text: str) -> int:
    return len(WORD.findall(re.sub(r"\]\([^)]*\)", "]", text or "")))


def lesson_minutes(path: Path) -> int:
    post = frontmatter.load(path)
    text = post.content.rsplit("\n## Sumber", 1)[0]  # the list of sources is not counted
    activities = post["activities"]
    read = (
        sum(words(objective) for objective in post["objectives"])
        + words(text)
        + sum(
            words(a["title"])
            + words(a["text"])
            + sum(words(i) for i in a.get("items", []))
            + words(a.get("discussion"))
            for a in activities
        )
    )
    return max(1, int(read / STUDY_PACE + 0.5)) + sum(a["minutes"] for a in activities)


def quiz_minutes(path: Path) -> int:
    data = yaml.safe_load(path.read_text())
    return (data.get("questions_per_attempt") or len(data["questions"])) * MINUTES_PER_QUESTION


def course_files() -> dict[str, tuple[dict[str, int], int]]:
    """Per course slug: each lesson's minutes, and the course's total minutes, from the files alone."""
    result = {}
    for folder in sorted(p for p in SHIPPED.iterdir() if p.is_dir()):
        slug = frontmatter.load(folder / "course.md")["slug"]
        lessons = {frontmatter.load(p)["slug"]: lesson_minutes(p) for p in sorted(folder.glob("[0-9]*.md"))}
        total = sum(lessons.values()) + sum(quiz_minutes(p) for p in (folder / "quizzes").glob("*.yaml"))
        result[slug] = (lessons, total)
    return result


def test_the_jp_on_the_catalogue_and_course_pages_follow_from_the_files(client) -> None:
    content_sync(root=SHIPPED)
    computed = course_files()
    assert len(computed) == 5
    catalogue = client.get("/kursus/").content.decode()
    cards = {slug: card for card in catalogue.split('<li class="card">')[1:] for slug in computed if slug in card}
    for slug, (lessons, total) in computed.items():
        jp = total // MINUTES_PER_JP
        assert jp >= 1, slug
        assert f"{jp} JP" in cards[slug], slug
        page = client.get(f"/kursus/{slug}/").content.decode()
        assert f"{jp} JP · {total} menit belajar" in page, (slug, total)
        for minutes in lessons.values():
            assert f"{minutes} menit" in page, slug


def test_no_course_text_claims_its_own_time() -> None:
    for path in SHIPPED.glob("*/*.md"):
        text = path.read_text()
        assert not re.search(r"\b\d+\s*(?:JP|jam pelajaran)\b", text), path
        assert "minutes" not in frontmatter.load(path).metadata, path


def test_a_certificate_carries_the_jp_computed_from_the_course_files(client, learner) -> None:
    """The certificate's JP is the course's at issue, so what goes into personnel records follows
    from the files too: its snapshot, and the public verification page, show the same number."""
    from certificates.services import certificate_issue_for_enrolment

    content_sync(root=SHIPPED)
    # One province per course: certificate numbers do not name the course, so two courses' first
    # self-paced certificates in one province and year would share a number (reported to the lead).
    for province, (slug, (_lessons, total)) in zip(["31", "32", "33", "34", "51"], course_files().items(), strict=True):
        course = Course.objects.get(slug=slug)
        enrolment = Enrolment.objects.create(user=learner, course=course, province_id=province)
        Enrolment.objects.filter(pk=enrolment.pk).update(completed_at=timezone.now())
        certificate = certificate_issue_for_enrolment(enrolment=enrolment, actor=None)
        jp = total // MINUTES_PER_JP
        assert certificate.snapshot["course"]["jp"] == jp, slug
        page = client.get(reverse("certificates:verify", args=[certificate.number])).content.decode()
        assert f"{jp} JP" in page, slug
