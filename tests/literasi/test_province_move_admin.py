"""A national admin moves a learner to another province in the admin, with a reason, audited;
nobody changes it any other way."""

from __future__ import annotations

import pytest

from courses.models import Enrolment
from literasi.models import ProvinceMove

from ..factories import course_with_lessons

pytestmark = pytest.mark.django_db
ADD = "/admin/literasi/provincemove/add/"


def test_a_national_admin_moves_a_learner_with_a_reason(client, national_admin, learner) -> None:
    own = Enrolment.objects.create(user=learner, course=course_with_lessons(1), province_id="32")
    client.force_login(national_admin)
    response = client.post(ADD, {"user": learner.pk, "to_province": "51", "reason": ""})
    assert response.status_code == 200 and not ProvinceMove.objects.exists()  # the reason is required
    response = client.post(ADD, {"user": learner.pk, "to_province": "32", "reason": "Mutasi"})
    assert response.status_code == 200 and not ProvinceMove.objects.exists()  # already there
    response = client.post(ADD, {"user": learner.pk, "to_province": "51", "reason": "Mutasi ke Pemprov Bali"})
    assert response.status_code == 302
    move = ProvinceMove.objects.get()
    assert (move.user, move.from_province_id, move.to_province_id, move.moved_by) == (learner, "32", "51",
                                                                                      national_admin)  # fmt: skip
    learner.refresh_from_db()
    own.refresh_from_db()
    assert (learner.province_id, own.province_id) == ("51", "51")
    # The trail is not edited afterwards.
    client.post(f"/admin/literasi/provincemove/{move.pk}/change/", {"reason": "lain"})
    move.refresh_from_db()
    assert move.reason == "Mutasi ke Pemprov Bali"


def test_the_user_form_no_longer_changes_a_province(client, national_admin, learner) -> None:
    client.force_login(national_admin)
    page = client.get(f"/admin/literasi/user/{learner.pk}/change/").content.decode()
    assert ' name="province"' not in page and "Jawa Barat" in page  # shown, not editable


def test_an_organiser_cannot_move_anyone(client, organiser_bali, learner) -> None:
    client.force_login(organiser_bali)
    response = client.post(ADD, {"user": learner.pk, "to_province": "51", "reason": "Ambil"})
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    learner.refresh_from_db()
    assert learner.province_id == "32" and not ProvinceMove.objects.exists()
