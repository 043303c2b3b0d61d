"""Roles: what a learner, an organiser of a province and a national admin may reach."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator

from literasi.models import OrganiserAssignment, Province
from literasi.selectors import provinces_managed_by

from ..factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_organiser_page_shows_only_the_organisers_provinces(client, organiser_jabar, learner, stranger) -> None:
    client.force_login(organiser_jabar)
    response = client.get("/penyelenggara/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Jawa Barat" in html and "Bali" not in html
    # Two learners live in Jawa Barat (the learner and the organiser themself).
    assert [(p.code, p.learner_count) for p in response.context["provinces"]] == [("32", 2)]


def test_learner_and_stranger_are_refused_as_if_the_page_did_not_exist(client, learner, stranger) -> None:
    for person in (learner, stranger):
        client.force_login(person)
        assert client.get("/penyelenggara/").status_code == 404


def test_anonymous_visitor_is_sent_to_sign_in(client, db) -> None:
    response = client.get("/penyelenggara/")
    assert response.status_code == 302 and response["Location"].startswith("/akun/login/")


def test_national_admin_sees_every_province(client, national_admin) -> None:
    client.force_login(national_admin)
    response = client.get("/penyelenggara/")
    assert len(response.context["provinces"]) == 38


def test_organiser_of_two_provinces(organiser_jabar, bali) -> None:
    OrganiserAssignment.objects.create(user=organiser_jabar, province=bali)
    assert set(provinces_managed_by(organiser_jabar).values_list("code", flat=True)) == {"32", "51"}


def test_only_national_admins_enter_the_django_admin(client, learner, organiser_jabar, national_admin) -> None:
    for person in (learner, organiser_jabar):
        client.force_login(person)
        for url in ("/admin/", "/admin/literasi/user/"):
            response = client.get(url)
            assert (response.status_code, response["Location"]) == (302, f"/admin/login/?next={url}")
    client.force_login(national_admin)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/literasi/user/").status_code == 200


def test_national_admin_assigns_an_organiser_in_the_admin(client, national_admin, learner) -> None:
    client.force_login(national_admin)
    url = f"/admin/literasi/user/{learner.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields if name != "password"}
    data.update(
        {
            "province": "32",
            "organiser_assignments-TOTAL_FORMS": "1",
            "organiser_assignments-INITIAL_FORMS": "0",
            "organiser_assignments-MIN_NUM_FORMS": "0",
            "organiser_assignments-MAX_NUM_FORMS": "1000",
            "organiser_assignments-0-province": "51",
            "organiser_assignments-0-user": str(learner.pk),
        }
    )
    data["is_active"] = "on"
    data.pop("is_national_admin", None)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    assignment = OrganiserAssignment.objects.get(user=learner)
    assert (assignment.province_id, assignment.assigned_by) == ("51", national_admin)


def test_an_organiser_cannot_grant_roles(client, organiser_jabar, learner) -> None:
    client.force_login(organiser_jabar)
    response = client.post(f"/admin/literasi/user/{learner.pk}/change/", {"is_national_admin": "on"})
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    learner.refresh_from_db()
    assert not learner.is_national_admin


def test_provinces_cannot_be_edited_even_by_national_admins(client, national_admin) -> None:
    client.force_login(national_admin)
    client.post("/admin/literasi/province/32/change/", {"code": "32", "name": "Jabar"})
    assert Province.objects.get(code="32").name == "Jawa Barat"


@pytest.fixture
def staff_mfa_required(settings) -> None:
    settings.LITERASI_REQUIRE_STAFF_MFA = True


@pytest.mark.usefixtures("staff_mfa_required")
def test_two_factor_is_required_for_organisers_and_admins_when_configured(
    client, organiser_jabar, national_admin, learner
) -> None:
    for person in (organiser_jabar, national_admin):
        client.force_login(person)
        response = client.get("/penyelenggara/")
        assert response.status_code == 302 and response["Location"] == "/akun/2fa/totp/activate/"
    client.force_login(learner)
    assert client.get("/").status_code == 200


@pytest.mark.usefixtures("staff_mfa_required")
def test_an_organiser_with_totp_passes(client, organiser_jabar) -> None:
    Authenticator.objects.create(user=organiser_jabar, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(organiser_jabar)
    assert client.get("/penyelenggara/").status_code == 200


def test_an_organiser_can_set_up_totp_after_signing_in(client, organiser_jabar) -> None:
    client.post("/akun/login/", {"login": organiser_jabar.email, "password": PASSWORD})
    response = client.get("/akun/2fa/totp/activate/")
    # Allauth asks for the password again before a security setting changes.
    assert response["Location"].startswith("/akun/reauthenticate/")
    response = client.post(response["Location"], {"password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/akun/2fa/totp/activate/"
    assert "data:image/svg+xml" in response.content.decode()  # the QR code to scan, inline: no external request


def test_new_users_are_plain_learners() -> None:
    user = UserFactory.create()
    assert not user.is_staff and not provinces_managed_by(user).exists()


def test_national_admins_cannot_touch_other_admins_or_credentials(client, national_admin) -> None:
    other = UserFactory.create(email="admin2@kominfo.go.id", is_national_admin=True)
    root = UserFactory.create(email="root@kominfo.go.id", is_superuser=True)
    client.force_login(national_admin)
    for target in (other, root):
        client.post(f"/admin/literasi/user/{target.pk}/change/", {"email": "direbut@contoh.go.id"})
        target.refresh_from_db()
        assert target.email != "direbut@contoh.go.id"
    # Other people's two-factor secrets and email addresses are not in reach.
    assert client.get("/admin/mfa/authenticator/").status_code == 403
    assert client.get("/admin/account/emailaddress/").status_code == 403


def test_the_national_admin_home_is_headed_for_every_province(client, national_admin, organiser_jabar) -> None:
    client.force_login(national_admin)
    html = client.get("/penyelenggara/").content.decode()
    assert "Semua provinsi" in html and "Provinsi yang Anda selenggarakan" not in html
    client.force_login(organiser_jabar)
    html = client.get("/penyelenggara/").content.decode()
    assert "Provinsi yang Anda selenggarakan" in html and "Semua provinsi" not in html


def test_national_admin_removes_an_organiser_role_in_the_admin(client, national_admin, organiser_jabar,
                                                               django_capture_on_commit_callbacks) -> None:  # fmt: skip
    from literasi.roles import roles_of

    assert roles_of(organiser_jabar).is_organiser
    client.force_login(national_admin)
    url = f"/admin/literasi/user/{organiser_jabar.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields if name != "password"} | {"is_active": "on"}
    data.pop("is_national_admin", None)
    assignment = OrganiserAssignment.objects.get(user=organiser_jabar)
    data |= {"organiser_assignments-TOTAL_FORMS": "1", "organiser_assignments-INITIAL_FORMS": "1",
             "organiser_assignments-MIN_NUM_FORMS": "0", "organiser_assignments-MAX_NUM_FORMS": "1000",
             "organiser_assignments-0-id": str(assignment.pk), "organiser_assignments-0-user": str(organiser_jabar.pk),
             "organiser_assignments-0-DELETE": "on"}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, data).status_code == 302
    assert not OrganiserAssignment.objects.filter(user=organiser_jabar).exists()
    # The cached role is dropped: the former organiser is refused at once.
    client.force_login(organiser_jabar)
    assert client.get("/penyelenggara/").status_code == 404
