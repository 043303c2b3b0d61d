"""Certificate pages are Indonesian too: the checks of tests/literasi/test_translations.py, on the
certificates app's pages and fields."""

from __future__ import annotations

import pytest

from certificates import services
from certificates.models import Certificate

from ..literasi import test_translations as house
from ..literasi.test_translations import shown_untranslated, untranslated  # noqa: F401 (a fixture)
from .conftest import enrol

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(cohort_jabar, organiser_jabar, learner) -> Certificate:
    enrolment = enrol(cohort_jabar, learner)
    type(enrolment).objects.filter(pk=enrolment.pk).update(completed_at="2026-03-10T03:00:00Z")
    services.certificates_issue_for_cohort(cohort_id=cohort_jabar.pk, actor_id=organiser_jabar.pk)
    return Certificate.objects.get()


def test_certificate_pages_are_all_indonesian(client, certificate, learner, organiser_jabar, national_admin,
                                              untranslated):  # noqa: F811  # fmt: skip
    public = ["/sertifikat/", f"/sertifikat/{certificate.number}/"]
    assert shown_untranslated(client, public, untranslated) == {}
    client.force_login(learner)
    assert shown_untranslated(client, ["/sertifikat/saya/"], untranslated) == {}
    client.force_login(organiser_jabar)
    organiser = [f"/penyelenggara/angkatan/{certificate.cohort_id}/sertifikat/", "/penyelenggara/sertifikat/pejabat/"]
    assert shown_untranslated(client, organiser, untranslated) == {}
    client.force_login(national_admin)
    admin = ["/admin/certificates/certificatetemplate/", "/admin/certificates/certificatetemplate/add/",
             f"/admin/certificates/certificatetemplate/{certificate.template_id}/change/",
             "/admin/certificates/certificate/", f"/admin/certificates/certificate/{certificate.pk}/change/"]  # fmt: skip
    assert shown_untranslated(client, admin, untranslated) == {}


def test_every_field_of_the_certificate_models_has_a_translated_name(monkeypatch) -> None:
    monkeypatch.setattr(house, "OUR_APPS", ("certificates",))
    house.test_every_field_of_our_models_has_a_translated_name()
