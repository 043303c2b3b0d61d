"""Every state change about certificates: settings, issuing (batch and on completion), rendering
and signing, revoking and re-issuing. Province scoping is checked with literasi.selectors.

Numbers are assigned inside the issuing transaction while the cohort's row is locked, so a batch,
automatic issue and a second organiser take turns and never collide; the partial unique constraint
``one_current_certificate`` makes issuing idempotent whatever is repeated or retried.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.db.models import Count, Max, Q
from django.db.models.fields.files import FieldFile
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cohorts.models import Cohort
from cohorts.services import SELF_PACED_SEQUENCE, cohort_self_paced_for
from courses import progress_summary
from courses.models import Enrolment, Lesson, LessonProgress
from literasi.errors import Refusal
from literasi.models import User
from literasi.queueing import publish
from literasi.selectors import user_manages_province

from . import verification_page
from .models import (
    Certificate,
    CertificateEvent,
    CertificateTemplate,
    CohortCertificateSettings,
    IssueMode,
    SigningOfficial,
)
from .numbers import certificate_number
from .selectors import signing_officials_of_cohort

CHUNK = 200
PROGRESS_TTL = 60 * 60


def _require_manager(user: User, province_code: str) -> None:
    if not user_manages_province(user, province_code):
        raise PermissionDenied


def verification_url(number: str) -> str:
    """The certificate's stable public address (printed as the QR code)."""
    return settings.SITE_URL + reverse("certificates:verify", args=[number])


# --- Settings, officials, templates --------------------------------------------------------------


def cohort_issue_mode(*, cohort: Cohort) -> str:
    if cohort.sequence == SELF_PACED_SEQUENCE:
        return IssueMode.AUTOMATIC  # nobody would issue them by hand
    mode = CohortCertificateSettings.objects.filter(cohort=cohort).values_list("mode", flat=True).first()
    return mode or IssueMode.AUTOMATIC


def _label(text: object) -> str:
    """A label for the audit trail, in the platform's language whoever made the change."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(text)


def cohort_issue_mode_set(*, cohort: Cohort, actor: User, mode: str) -> None:
    """Choose whether the cohort's certificates are issued on completion or by the organiser."""
    _require_manager(actor, cohort.province_id)
    if mode not in IssueMode.values:
        raise Refusal(_("Choose how certificates are issued."))
    with transaction.atomic():
        CohortCertificateSettings.objects.update_or_create(cohort=cohort, defaults={"mode": mode})
        CertificateEvent.objects.create(cohort=cohort, province_id=cohort.province_id, actor=actor,
                                        action=CertificateEvent.Action.MODE, note=_label(IssueMode(mode).label))  # fmt: skip


def signing_official_set(
    *, actor: User, province_code: str, cohort: Cohort | None = None, name: str, nip: str, position: str
) -> SigningOfficial:
    """Set who signs the province's certificates, or (``cohort``) one cohort's. Applies to
    certificates issued from now on; issued ones keep the official they were issued with."""
    _require_manager(actor, province_code)
    if cohort is not None and cohort.province_id != province_code:
        raise PermissionDenied
    name, position, nip = name.strip(), position.strip(), nip.strip()
    if not name or not position:
        raise Refusal(_("Give the signing official's name and position."))
    if nip:
        from literasi.nip import validate_nip

        try:
            nip = validate_nip(nip)
        except ValidationError as error:  # its message names the rule
            raise Refusal(str(error.messages[0])) from error
    with transaction.atomic():
        official, _created = SigningOfficial.objects.update_or_create(
            province_id=province_code, cohort=cohort, defaults={"name": name, "nip": nip, "position": position}
        )
        CertificateEvent.objects.create(cohort=cohort, province_id=province_code, actor=actor,
                                        action=CertificateEvent.Action.OFFICIAL,
                                        note=f"{name}, {position}" + (f" (NIP {nip})" if nip else ""))  # fmt: skip
    return official


def signing_official_clear(*, actor: User, cohort: Cohort) -> bool:
    """Remove a cohort's own signing official: its certificates are signed by the province's
    again from now on. Returns whether there was one. Safe to repeat."""
    _require_manager(actor, cohort.province_id)
    with transaction.atomic():
        deleted, _rows = SigningOfficial.objects.filter(cohort=cohort).delete()
        if deleted:
            CertificateEvent.objects.create(cohort=cohort, province_id=cohort.province_id, actor=actor,
                                            action=CertificateEvent.Action.OFFICIAL,
                                            note=_label(gettext_lazy("the province's official")))  # fmt: skip
    return bool(deleted)


def template_current() -> CertificateTemplate:
    """The newest template version (version 1 with the default texts is made when none exists)."""
    template = CertificateTemplate.objects.order_by("-version").first()
    if template is None:
        template, _created = CertificateTemplate.objects.get_or_create(version=1)
    return template


LOGO_MAX_BYTES = 256 * 1024  # every PDF carries the logo: a bigger one makes every certificate bigger
LOGO_MAX_SIDE = 1500  # pixels


def template_logo_check(*, logo: File) -> None:
    """Refusal, saying what to change, unless ``logo`` is a PNG or JPEG image of at most
    LOGO_MAX_BYTES and LOGO_MAX_SIDE pixels a side. Reads only the image's header."""
    from PIL import Image, UnidentifiedImageError

    if logo.size > LOGO_MAX_BYTES:
        raise Refusal(_("The logo may be at most %(max)d KB; this file is %(size)d KB.")
                      % {"max": LOGO_MAX_BYTES // 1024, "size": -(-logo.size // 1024)})  # fmt: skip
    try:
        logo.seek(0)
        with Image.open(logo, formats=["PNG", "JPEG"]) as image:
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise Refusal(_("The logo must be a PNG or JPEG image; this file is not one or is damaged.")) from error
    finally:
        logo.seek(0)
    if max(width, height) > LOGO_MAX_SIDE:
        raise Refusal(_("The logo may be at most %(max)d pixels wide and high; this one is %(width)d × %(height)d.")
                      % {"max": LOGO_MAX_SIDE, "width": width, "height": height})  # fmt: skip


TEMPLATE_FIELDS = ("title", "statement", "issuer_name", "footer", "logo")


@transaction.atomic
def template_new_version(*, actor: User | None, **texts: object) -> CertificateTemplate:
    """Save an edit of the template (any of TEMPLATE_FIELDS; those not given are kept from the
    newest version; ``logo=""`` removes the logo) as a new version. Issued certificates keep the
    version they were made with; certificates issued from now on use this one. A new logo file
    is checked first (Refusal, nothing saved)."""
    unknown = set(texts) - set(TEMPLATE_FIELDS)
    if unknown:
        raise TypeError(f"not template fields: {sorted(unknown)}")
    logo = texts.get("logo")
    if isinstance(logo, File) and not isinstance(logo, FieldFile):
        template_logo_check(logo=logo)
    last = CertificateTemplate.objects.select_for_update().order_by("-version").first()
    values = {}
    if last is not None:
        values = {f: getattr(last, f) for f in TEMPLATE_FIELDS}
    values.update(texts)
    return CertificateTemplate.objects.create(version=(last.version if last else 0) + 1, created_by=actor, **values)


# --- Issuing -------------------------------------------------------------------------------------


def _date_label(value: dt.datetime | dt.date) -> str:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    with translation.override(settings.LANGUAGE_CODE):
        return formats.date_format(value, "j F Y")


def _official_for(cohort: Cohort) -> dict | None:
    own, province = signing_officials_of_cohort(cohort=cohort)
    official = own or province
    return {"name": official.name, "nip": official.nip, "position": official.position} if official else None


def _context(cohort: Cohort) -> dict:
    """What every certificate of a cohort issued now shares (two queries)."""
    template = template_current()
    course = cohort.course
    return {
        "template": template,
        "shared": {
            "course": {"slug": course.slug, "title": course.title, "jp": course.jp},
            "cohort": {"id": cohort.pk, "name": cohort.name, "year": cohort.year, "sequence": cohort.sequence,
                       "self_paced": cohort.sequence == SELF_PACED_SEQUENCE,
                       "start": cohort.start_date.isoformat(), "end": cohort.end_date.isoformat()},
            "province": {"code": cohort.province_id, "name": cohort.province.name},
            "official": _official_for(cohort),
            "template": {"version": template.version, "title": template.title, "statement": template.statement,
                         "issuer_name": template.issuer_name, "footer": template.footer},
        },
    }  # fmt: skip


def _snapshot(shared: dict, user: User, completed_at: dt.datetime, issued_at: dt.datetime, name: str = "") -> dict:
    return shared | {
        "learner": {"name": name or user.full_name, "nip": user.nip or "", "instansi": user.instansi},
        "dates": {"completed": completed_at.isoformat(), "completed_label": _date_label(completed_at),
                  "issued": issued_at.isoformat(), "issued_label": _date_label(issued_at)},
    }  # fmt: skip


def _issue_locked(*, cohort: Cohort, enrolments: list[Enrolment], actor_id: int | None, context: dict) -> list[int]:
    """Issue certificates to the completed ``enrolments`` that have none in ``cohort``.

    Call inside a transaction holding the cohort's row lock. A constant number of statements
    whatever the number of enrolments: existing certificates, last number, insert, audit.
    """
    user_ids = [e.user_id for e in enrolments]
    have = set(
        Certificate.objects.filter(cohort=cohort, user_id__in=user_ids)
        .exclude(status=Certificate.Status.REPLACED)
        .values_list("user_id", flat=True)
    )
    todo = [e for e in enrolments if e.user_id not in have and e.completed_at is not None]
    if not todo:
        return []
    last = Certificate.objects.filter(cohort=cohort).aggregate(last=Max("sequence"))["last"] or 0
    now = timezone.now()
    certificates = []
    for offset, enrolment in enumerate(todo, start=1):
        assert enrolment.completed_at is not None  # todo holds completed enrolments only
        certificates.append(Certificate(
            number=certificate_number(province_code=cohort.province_id, year=cohort.year, course_id=cohort.course_id,
                                      cohort_sequence=cohort.sequence, sequence=last + offset),
            cohort=cohort, sequence=last + offset, user_id=enrolment.user_id, course_id=cohort.course_id,
            enrolment=enrolment, template=context["template"], issued_at=now,
            snapshot=_snapshot(context["shared"], enrolment.user, enrolment.completed_at, now),
        ))  # fmt: skip
    Certificate.objects.bulk_create(certificates)
    progress_summary.record_certificates(changes={c.enrolment_id: (1, c.snapshot["course"]["jp"], progress_summary.year_of(now)) for c in certificates})  # fmt: skip
    CertificateEvent.objects.bulk_create(
        CertificateEvent(
            certificate=c,
            cohort=cohort,
            province_id=cohort.province_id,
            action=CertificateEvent.Action.ISSUED,
            actor_id=actor_id,
            at=now,
        )
        for c in certificates
    )
    ids = [c.pk for c in certificates]
    transaction.on_commit(lambda: _enqueue_render(ids))
    return ids


def _enqueue_render(ids: list[int]) -> None:
    """One fast try per chunk (literasi.queueing): a broker that is away never fails the caller
    (a learner's completion, say); the sweep hands over what it did not get."""
    from .tasks import certificates_render_task

    for start in range(0, len(ids), CHUNK):
        publish(certificates_render_task, ids[start : start + CHUNK])


def _eligible(cohort: Cohort):
    """The enrolments whose certificates belong to ``cohort``: its participants, or for a
    self-paced cohort the province's learners without a cohort who completed in its year."""
    if cohort.sequence == SELF_PACED_SEQUENCE:
        start = timezone.make_aware(dt.datetime(cohort.year, 1, 1))
        end = timezone.make_aware(dt.datetime(cohort.year + 1, 1, 1))
        rows = Enrolment.objects.filter(cohort__isnull=True, province_id=cohort.province_id,
                                        completed_at__gte=start, completed_at__lt=end)  # fmt: skip
    else:
        rows = Enrolment.objects.filter(cohort=cohort)
    return rows.filter(course_id=cohort.course_id, removed_at__isnull=True, completed_at__isnull=False)


def _progress_key(cohort_id: int) -> str:
    return f"certificates-issue:{cohort_id}"


def issue_progress(*, cohort: Cohort) -> dict | None:
    """The cohort's running (or, for an hour, last) batch issue, None if there is none:
    ``{"done": PDFs ready, "total": participants to issue, "finished": all issued and ready}``.
    What counts is a PDF ready to download (rendered, signed, stored), not a number assigned,
    so the bar does not reach the end while PDFs are still being made. One indexed count."""
    job = cache.get(_progress_key(cohort.pk))
    if job is None:
        return None
    counts = (
        Certificate.objects.filter(cohort=cohort)
        .exclude(status=Certificate.Status.REPLACED)
        .aggregate(ready=Count("pk", filter=~Q(pdf_sha256="")), waiting=Count("pk", filter=Q(pdf_sha256="")))
    )
    return {"done": min(counts["ready"], job["total"]), "total": job["total"],
            "finished": job["finished"] and counts["waiting"] == 0}  # fmt: skip


def certificates_issue_request(*, cohort: Cohort, actor: User) -> bool:
    """Ask the batch queue to issue the cohort's certificates. Safe to repeat. Returns False when
    the broker could not take the job (nothing changed: the organiser asks again later)."""
    from .tasks import certificates_issue_task

    _require_manager(actor, cohort.province_id)
    cache.set(_progress_key(cohort.pk), {"total": _eligible(cohort).count(), "finished": False}, PROGRESS_TTL)
    if not publish(certificates_issue_task, cohort.pk, actor.pk):
        cache.delete(_progress_key(cohort.pk))
        return False
    return True


def certificates_issue_for_cohort(*, cohort_id: int, actor_id: int | None, chunk: int = CHUNK) -> int:
    """Issue a certificate to every participant of the cohort who completed and has none.

    Works in chunks of ``chunk`` participants, each in its own transaction under the cohort's row
    lock (so automatic issue interleaves and numbers stay gapless), with a constant number of
    statements per chunk. Rendering and signing are enqueued per chunk after each commit. Safe to
    repeat: a second run issues nothing. Returns how many certificates were issued.
    """
    cohort = Cohort.objects.select_related("province", "course").filter(pk=cohort_id).first()
    if cohort is None:
        return 0
    context = _context(cohort)
    ids = list(_eligible(cohort).order_by("pk").values_list("pk", flat=True))
    cache.set(_progress_key(cohort.pk), {"total": len(ids), "finished": False}, PROGRESS_TTL)
    issued = 0
    for start in range(0, len(ids), chunk):
        with transaction.atomic():
            Cohort.objects.select_for_update().filter(pk=cohort.pk).first()
            enrolments = list(Enrolment.objects.filter(pk__in=ids[start : start + chunk]).select_related("user"))
            issued += len(_issue_locked(cohort=cohort, enrolments=enrolments, actor_id=actor_id, context=context))
    cache.set(_progress_key(cohort.pk), {"total": len(ids), "finished": True}, PROGRESS_TTL)
    return issued


def _not_completed_reason(enrolment: Enrolment) -> str:
    lessons = Lesson.objects.filter(course_id=enrolment.course_id, is_published=True)
    done = LessonProgress.objects.filter(user_id=enrolment.user_id, lesson__in=lessons).count()
    total = lessons.count()
    if done < total:
        return _("%(name)s has not completed the course: %(done)d of %(total)d lessons done.") % {
            "name": enrolment.user.full_name, "done": done, "total": total}  # fmt: skip
    return _("%(name)s has not completed the course: a required quiz has not been passed.") % {
        "name": enrolment.user.full_name
    }


def _cohort_of(enrolment: Enrolment) -> Cohort:
    if enrolment.cohort_id is not None:
        return Cohort.objects.select_related("province", "course").get(pk=enrolment.cohort_id)
    province_code = enrolment.province_id or enrolment.user.province_id
    if province_code is None:
        raise Refusal(_("Set your province in your profile to receive a certificate."))
    from literasi.models import Province

    year = timezone.localtime(enrolment.completed_at).year
    cohort = cohort_self_paced_for(province=Province.objects.get(pk=province_code), course=enrolment.course, year=year)
    return Cohort.objects.select_related("province", "course").get(pk=cohort.pk)


def certificate_issue_for_enrolment(*, enrolment: Enrolment, actor: User | None) -> Certificate:
    """Issue (or return the existing) certificate of one enrolment, in its cohort or, for a learner
    who studied on their own, in the province's self-paced cohort. Refusal, with the reason, for
    someone who has not completed. ``actor`` None means the platform (automatic issue)."""
    enrolment = Enrolment.objects.select_related("user", "course").get(pk=enrolment.pk)
    if enrolment.completed_at is None:
        raise Refusal(_not_completed_reason(enrolment))
    if enrolment.removed_at is not None:
        raise Refusal(_("%(name)s is no longer a participant.") % {"name": enrolment.user.full_name})
    cohort = _cohort_of(enrolment)
    if actor is not None:
        _require_manager(actor, cohort.province_id)
    context = _context(cohort)
    with transaction.atomic():
        Cohort.objects.select_for_update().filter(pk=cohort.pk).first()
        _issue_locked(cohort=cohort, enrolments=[enrolment], actor_id=actor.pk if actor else None, context=context)
    return Certificate.objects.exclude(status=Certificate.Status.REPLACED).get(cohort=cohort, user_id=enrolment.user_id)


def certificate_issue_on_completion(*, enrolment_id: int) -> Certificate | None:
    """A course was completed: issue its certificate if the cohort issues automatically (always for
    self-paced learners). Safe to repeat. Returns the certificate, or None when the organiser
    issues this cohort's certificates."""
    enrolment = Enrolment.objects.select_related("cohort").filter(pk=enrolment_id).first()
    if enrolment is None or enrolment.completed_at is None or enrolment.removed_at is not None:
        return None
    if enrolment.cohort is not None and cohort_issue_mode(cohort=enrolment.cohort) != IssueMode.AUTOMATIC:
        return None
    try:
        return certificate_issue_for_enrolment(enrolment=enrolment, actor=None)
    except Refusal:
        return None  # e.g. no province to number it under: the organiser can issue it later


def certificate_issue_on_completion_hook(enrolment_id: int) -> None:
    """Registered with courses.services.on_course_completed (runs after the completion commits)."""
    certificate_issue_on_completion(enrolment_id=enrolment_id)


# --- Rendering and signing -----------------------------------------------------------------------


def credential_claims(certificate: Certificate) -> dict:
    """The Open Badges 3.0 credential (a W3C Verifiable Credential) of a certificate, from its
    snapshot: what it says never changes after issue."""
    s = certificate.snapshot
    url = verification_url(certificate.number)
    issuer = settings.SITE_URL + reverse("certificates:issuer")
    issued = s["dates"]["issued"]
    return {
        "iss": issuer,
        "jti": url,
        "sub": f"urn:literasi:learner:{certificate.user_id}",
        "nbf": int(dt.datetime.fromisoformat(issued).timestamp()),
        "vc": {
            "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
            "id": url,
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": {"id": issuer, "type": ["Profile"], "name": s["template"]["issuer_name"]},
            "validFrom": issued,
            "name": f"{s['template']['title']} {s['course']['title']}",
            "credentialSubject": {
                "type": ["AchievementSubject"],
                "name": s["learner"]["name"],
                "identifier": [{"type": "IdentityObject", "identityType": "identifier", "hashed": False,
                                "identityHash": s["learner"]["nip"]}] if s["learner"]["nip"] else [],
                "achievement": {
                    "id": settings.SITE_URL + reverse("courses:detail", args=[s["course"]["slug"]]),
                    "type": ["Achievement"], "name": s["course"]["title"],
                    "description": f"{s['course']['jp']} JP",
                    "criteria": {"narrative": s["template"]["statement"]},
                },
            },
            "evidence": [{"type": ["Evidence"], "name": s["cohort"]["name"],
                          "description": f"{s['province']['name']}; {s['dates']['completed']}"}],
            "credentialStatus": {
                "id": f"{settings.SITE_URL}{reverse('certificates:status_list')}#{certificate.pk}",
                "type": "BitstringStatusListEntry", "statusPurpose": "revocation",
                "statusListIndex": str(certificate.pk),
                "statusListCredential": settings.SITE_URL + reverse("certificates:status_list"),
            },
            "literasi": {"number": certificate.number, "version": certificate.version, "snapshot": s},
        },
    }  # fmt: skip


def _render_one(certificate: Certificate, logos: dict[int, bytes | None]) -> tuple[bytes, str]:
    from .pdf import render_pdf
    from .signing import credential_sign, pdf_attach_and_sign

    credential = credential_sign(credential_claims(certificate))
    pdf = render_pdf(snapshot=certificate.snapshot, number=certificate.number,
                     verify_url=verification_url(certificate.number), logo=logos.get(certificate.template_id))  # fmt: skip
    return pdf_attach_and_sign(pdf, credential=credential, signed_at=certificate.issued_at), credential


def _logos(template_ids: Iterable[int]) -> dict[int, bytes | None]:
    logos: dict[int, bytes | None] = {}
    for template in CertificateTemplate.objects.filter(pk__in=set(template_ids)):
        if template.logo:
            with template.logo.open("rb") as fh:
                logos[template.pk] = fh.read()
    return logos


def certificates_render(*, certificate_ids: list[int]) -> int:
    """Render, sign and store the PDFs (and credentials) of the given certificates that have none.

    A PDF is made once: certificates already rendered are skipped, so a retry or a second run
    changes nothing. A constant number of statements for the whole list (read, one bulk update);
    then one email per learner whose certificate this run rendered. Returns how many were rendered.
    """
    certificates = list(Certificate.objects.filter(pk__in=certificate_ids, pdf_sha256="").order_by("pk"))
    if not certificates:
        return 0
    logos = _logos(c.template_id for c in certificates)
    for certificate in certificates:
        pdf, certificate.credential = _render_one(certificate, logos)
        certificate.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
        name = f"{certificate.cohort_id}/{certificate.pk}-{certificate.pdf_sha256[:12]}.pdf"
        certificate.pdf.save(name, ContentFile(pdf), save=False)
    # Only rows still unrendered are written, so two runs racing never overwrite each other's files.
    with transaction.atomic():
        fresh = set(
            Certificate.objects.select_for_update()
            .filter(pk__in=[c.pk for c in certificates], pdf_sha256="")
            .values_list("pk", flat=True)
        )
        rendered = [c for c in certificates if c.pk in fresh]
        Certificate.objects.bulk_update(rendered, ["pdf", "pdf_sha256", "credential"])
    ids = [c.pk for c in rendered]
    if ids:
        transaction.on_commit(lambda: _enqueue_email(ids))
    return len(rendered)


def _enqueue_email(ids: list[int]) -> None:
    from .tasks import certificates_email_task

    for start in range(0, len(ids), CHUNK):
        publish(certificates_email_task, ids[start : start + CHUNK])


SWEEP_AFTER = dt.timedelta(minutes=15)  # longer than a 10,000-participant cohort takes to render
SWEEP_LIMIT = 20_000


def certificates_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """From the scheduler: hand the batch queue the certificates whose rendering or email it
    never got (the broker was away when they were issued) or lost, SWEEP_AFTER after issue, and
    bring the verification page's kept records of lately revoked or re-issued certificates up
    to date (certificates.verification_page). Safe to repeat and to overlap a running batch:
    rendering and emailing skip what is done. Returns how many certificates each part handled."""
    now = now or timezone.now()
    stale = now - SWEEP_AFTER
    unrendered = list(
        Certificate.objects.filter(pdf_sha256="", issued_at__lt=stale)
        .exclude(status=Certificate.Status.REPLACED)
        .order_by("pk")
        .values_list("pk", flat=True)[:SWEEP_LIMIT]
    )
    unemailed = list(
        Certificate.objects.filter(status=Certificate.Status.VALID, emailed_at__isnull=True, issued_at__lt=stale)
        .exclude(pdf_sha256="")
        .order_by("pk")
        .values_list("pk", flat=True)[:SWEEP_LIMIT]
    )
    _enqueue_render(unrendered)
    _enqueue_email(unemailed)
    refreshed = verification_page.verification_refresh_recent(now=now)
    return {"render": len(unrendered), "email": len(unemailed), "verification": refreshed}


def certificates_email(*, certificate_ids: list[int]) -> int:
    """Tell each learner, once, that their certificate is ready. Marks ``emailed_at`` first, in
    one statement, so a repeated run sends nothing twice. Returns how many emails were sent."""
    from django.core.mail import get_connection, send_mass_mail
    from django.template.loader import render_to_string

    with transaction.atomic():
        rows = list(
            Certificate.objects.select_for_update(of=("self",))
            .filter(pk__in=certificate_ids, emailed_at__isnull=True, status=Certificate.Status.VALID)
            .exclude(pdf_sha256="")
            .select_related("user")
        )
        Certificate.objects.filter(pk__in=[c.pk for c in rows]).update(emailed_at=timezone.now())
    messages = []
    with translation.override(settings.LANGUAGE_CODE):
        for certificate in rows:
            context = {"certificate": certificate, "site_url": settings.SITE_URL,
                       "link": settings.SITE_URL + reverse("certificates:mine"),
                       "verify_url": verification_url(certificate.number)}  # fmt: skip
            subject = render_to_string("certificates/email/issued_subject.txt", context).strip()
            body = render_to_string("certificates/email/issued_message.txt", context)
            messages.append((subject, body, settings.DEFAULT_FROM_EMAIL, [certificate.user.email]))
    send_mass_mail(messages, connection=get_connection())
    return len(messages)


# --- Revoking and re-issuing ---------------------------------------------------------------------


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, actor: User, reason: str) -> Certificate:
    """Revoke a valid certificate with a reason (Refusal without one). Its verification page and
    the status list then say revoked (the page's kept record is replaced after the commit); its
    PDF is no longer offered. Safe to repeat."""
    _require_manager(actor, certificate.cohort.province_id)
    reason = reason.strip()
    if not reason:
        raise Refusal(_("Give the reason for revoking the certificate."))
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.status == Certificate.Status.REVOKED:
        return certificate
    if certificate.status == Certificate.Status.REPLACED:
        raise Refusal(_("This certificate was replaced by a new version; revoke that one."))
    certificate.status, certificate.revoked_reason, certificate.revoked_at = (
        Certificate.Status.REVOKED, reason[:300], timezone.now())  # fmt: skip
    certificate.save(update_fields=["status", "revoked_reason", "revoked_at"])
    transaction.on_commit(
        functools.partial(verification_page.verification_refresh, number=certificate.number), robust=True
    )
    progress_summary.record_certificates(changes={certificate.enrolment_id: (-1, -certificate.snapshot["course"]["jp"], progress_summary.year_of(certificate.issued_at))})  # fmt: skip
    CertificateEvent.objects.create(certificate=certificate, cohort_id=certificate.cohort_id,
                                    province_id=certificate.cohort.province_id,
                                    action=CertificateEvent.Action.REVOKED, actor=actor, note=reason[:300])  # fmt: skip
    return certificate


def certificate_reissue(*, certificate: Certificate, actor: User, full_name: str) -> Certificate:
    """Issue a new version of a valid certificate after the learner's name was corrected: the same
    participant number with the next version, everything else as first issued. The old version
    becomes "replaced" and points to the new one (its verification page's kept record is replaced
    after the commit). Refusal for an unchanged or empty name."""
    _require_manager(actor, certificate.cohort.province_id)
    full_name = " ".join(full_name.split())
    if not full_name:
        raise Refusal(_("Give the corrected name."))
    with transaction.atomic():
        Cohort.objects.select_for_update().filter(pk=certificate.cohort_id).first()
        old = Certificate.objects.select_for_update().select_related("cohort").get(pk=certificate.pk)
        if old.status != Certificate.Status.VALID:
            raise Refusal(_("Only a valid certificate can be re-issued."))
        if full_name == old.snapshot["learner"]["name"]:
            raise Refusal(_("The name is the same as on the certificate."))
        old.status = Certificate.Status.REPLACED
        old.save(update_fields=["status"])
        snapshot = {**old.snapshot, "learner": {**old.snapshot["learner"], "name": full_name}}
        new = Certificate.objects.create(
            number=certificate_number(province_code=old.cohort.province_id, year=old.cohort.year,
                                      course_id=old.cohort.course_id, cohort_sequence=old.cohort.sequence, sequence=old.sequence,
                                      version=old.version + 1),
            cohort=old.cohort, sequence=old.sequence, version=old.version + 1, user_id=old.user_id,
            course_id=old.course_id, enrolment_id=old.enrolment_id, template_id=old.template_id,
            snapshot=snapshot, replaces=old,
        )  # fmt: skip
        CertificateEvent.objects.create(certificate=new, cohort_id=old.cohort_id, province_id=old.cohort.province_id,
                                        action=CertificateEvent.Action.REISSUED, actor=actor, note=old.number)  # fmt: skip
        transaction.on_commit(functools.partial(verification_page.verification_refresh, number=old.number), robust=True)
        transaction.on_commit(lambda: _enqueue_render([new.pk]))
    return new
