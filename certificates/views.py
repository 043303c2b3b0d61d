from __future__ import annotations

import threading
import zipfile
from collections import OrderedDict
from collections.abc import MutableMapping

from allauth.account.adapter import get_adapter as get_account_adapter
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import F, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

from cohorts.selectors import cohort_for
from literasi.adapters import client_network
from literasi.errors import Refusal
from literasi.http import AuthenticatedRequest, or_404, polled_login_required
from literasi.page_shells import render_shell
from literasi.selectors import provinces_managed_by

from . import selectors, services, signing, verification_page
from . import status_list as bitstring
from .forms import CohortOfficialForm, IssueModeForm, NumberForm, OfficialForm, ReissueForm, RevokeForm
from .models import Certificate, CertificateEvent, SigningOfficial


def _client(request: HttpRequest) -> str:
    """The client's address (or IPv6 network) as the login limits count it: behind the proxies
    of TRUSTED_PROXY_COUNT, taken from X-Forwarded-For, so visitors do not share the proxy's."""
    try:
        return client_network(get_account_adapter(request).get_client_ip(request))
    except (PermissionDenied, ImproperlyConfigured, ValueError):  # no or a malformed address
        return request.META.get("REMOTE_ADDR", "")


class _KeptPages(MutableMapping):
    """The verification pages of the certificates checked most recently, rendered once per
    process (literasi.page_shells fills in the return address; the page has no form that
    posts, so no CSRF token). At most
    ``size`` pages: the least recently checked go first.

    Measured (make bench-verify, 2026-12-03): 347-371 req/s kept against 235-249 req/s with the
    template rendered on every request (about 1 ms of rendering against 0.1 ms of filling)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._pages: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def __getitem__(self, key: str) -> str:
        with self._lock:
            self._pages.move_to_end(key)
            return self._pages[key]

    def __setitem__(self, key: str, page: str) -> None:
        with self._lock:
            self._pages[key] = page
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)

    def __delitem__(self, key: str) -> None:
        with self._lock:
            del self._pages[key]

    def __iter__(self):
        return iter(list(self._pages))

    def __len__(self) -> int:
        return len(self._pages)

    def get(self, key: str, default=None):
        try:
            return self[key]
        except KeyError:
            return default


_verification_pages = _KeptPages(size=2000)


# --- Public ------------------------------------------------------------------------------------


def verify_form(request: HttpRequest) -> HttpResponse:
    form = NumberForm(request.GET or None)
    if form.is_valid():
        return redirect("certificates:verify", number=selectors.normalise_number(form.cleaned_data["number"]))
    return render(request, "certificates/verify.html", {"form": form})


@cache_control(no_cache=True, private=True)
def verify(request: HttpRequest, number: str) -> HttpResponse:
    """The public verification page: what the certificate says and its status, nothing more.

    Its status is current on every request (a revocation shows at once; see
    certificates.verification_page) and a browser must ask again before showing it again
    (no-cache); only the stylesheet is kept for long (WhiteNoise)."""
    visit = verification_page.verification_visit(number=number, visitor=_client(request),
                                                 limit=settings.CERTIFICATES_VERIFY_PER_MINUTE)  # fmt: skip
    if visit.limited:
        response = render(request, "certificates/verify.html", {"form": NumberForm(), "limited": True}, status=429)
        response["Retry-After"] = "60"
        return response
    certificate = visit.certificate
    if certificate is None:
        well_formed = selectors.number_is_well_formed(selectors.normalise_number(number))
        context = {"form": NumberForm(initial={"number": number[:60]}), "number": number[:60],
                   "malformed": not well_formed}  # fmt: skip
        return render(request, "certificates/verify.html", context, status=404)
    # What the page shows is frozen at issue except the status: the variant names the status and
    # everything that comes with it, so a revoked or replaced certificate is a new page at once.
    variant = "|".join(map(str, (certificate.pk, certificate.status, certificate.revoked_at,
                                 certificate.revoked_reason, certificate.replaced_by_number)))  # fmt: skip
    # No form in the context: the page's search box starts empty, and a kept page needs none.
    return render_shell(request, "certificates/verify.html", {"certificate": certificate}, kept=_verification_pages,
                        variant=variant, holes={})  # fmt: skip


@cache_control(public=True, max_age=300)
def issuer_keys(request: HttpRequest) -> JsonResponse:
    return JsonResponse(signing.public_jwks())


@cache_control(public=True, max_age=300)
def issuer_profile(request: HttpRequest) -> JsonResponse:
    template = services.template_current()
    return JsonResponse({"id": request.build_absolute_uri(), "type": ["Profile"], "name": template.issuer_name,
                         "publicKey": request.build_absolute_uri(reverse("certificates:keys"))})  # fmt: skip


@cache_control(public=True, max_age=60)
def status_list(request: HttpRequest) -> HttpResponse:
    """The W3C Bitstring Status List credential (revocation), signed like the certificates'."""
    return HttpResponse(bitstring.status_list_credential(), content_type="application/vc+jwt")


# --- Learner -----------------------------------------------------------------------------------


@login_required
def my_certificates(request: AuthenticatedRequest) -> HttpResponse:
    certificates = list(selectors.certificates_of_learner(user=request.user))
    return render(request, "certificates/mine.html", {
        "certificates": certificates, "years": selectors.jp_per_year(certificates),
    })  # fmt: skip


def _learner_certificate(request: AuthenticatedRequest, certificate_id: int) -> Certificate:
    certificate = selectors.certificate_of_learner(user=request.user, certificate_id=certificate_id)
    if certificate is None or certificate.status != Certificate.Status.VALID or not certificate.is_rendered:
        raise Http404
    return certificate


def _pdf_response(certificate: Certificate) -> FileResponse:
    filename = "sertifikat-" + certificate.number.replace("/", "-") + ".pdf"
    return FileResponse(certificate.pdf.open("rb"), as_attachment=True, filename=filename,
                        content_type="application/pdf")  # fmt: skip


@login_required
def my_pdf(request: AuthenticatedRequest, certificate_id: int) -> FileResponse:
    return _pdf_response(_learner_certificate(request, certificate_id))


@login_required
def my_credential(request: AuthenticatedRequest, certificate_id: int) -> HttpResponse:
    certificate = _learner_certificate(request, certificate_id)
    response = HttpResponse(certificate.credential, content_type="application/vc+jwt")
    response["Content-Disposition"] = f'attachment; filename="{certificate.number.replace("/", "-")}.jwt"'
    return response


# --- Organisers --------------------------------------------------------------------------------


def _managed_certificate(request: AuthenticatedRequest, certificate_id: int) -> Certificate:
    certificate = selectors.certificate_for_manager(user=request.user, certificate_id=certificate_id)
    if certificate is None:
        raise Http404
    return certificate


@login_required
def cohort_certificates(request: AuthenticatedRequest, cohort_id: int) -> HttpResponse:
    cohort = or_404(cohort_for(user=request.user, cohort_id=cohort_id))
    mode_form = IssueModeForm(request.POST or None, initial={"mode": services.cohort_issue_mode(cohort=cohort)})
    if request.method == "POST" and mode_form.is_valid():
        services.cohort_issue_mode_set(cohort=cohort, actor=request.user, mode=mode_form.cleaned_data["mode"])
        messages.success(request, _("The issuing mode was saved."))
        return redirect("certificates:cohort", cohort_id=cohort.pk)
    return _cohort_page(request, cohort, mode_form=mode_form)


def _cohort_page(request: AuthenticatedRequest, cohort, *, mode_form=None, official_form=None, status: int = 200):
    own, province = selectors.signing_officials_of_cohort(cohort=cohort)
    if official_form is None:
        initial = {"name": own.name, "nip": own.nip, "position": own.position} if own else {}
        official_form = CohortOfficialForm(initial=initial)
    if mode_form is None:
        mode_form = IssueModeForm(initial={"mode": services.cohort_issue_mode(cohort=cohort)})
    return render(request, "certificates/cohort.html", {
        "cohort": cohort, "mode_form": mode_form, "certificates": selectors.cohort_certificates(cohort_id=cohort.pk),
        "progress": services.issue_progress(cohort=cohort), "revoke_form": RevokeForm(), "reissue_form": ReissueForm(),
        "own_official": own, "province_official": province, "official_form": official_form,
        "events": CertificateEvent.objects.filter(Q(cohort=cohort) | Q(province_id=cohort.province_id,
                                                                     cohort__isnull=True))
        .select_related("certificate", "actor")[:20],
    }, status=status)  # fmt: skip


@login_required
@require_POST
def cohort_official(request: AuthenticatedRequest, cohort_id: int) -> HttpResponse:
    """Set the cohort's own signing official (it overrides the province's), or remove it."""
    cohort = or_404(cohort_for(user=request.user, cohort_id=cohort_id))
    if "clear" in request.POST:
        services.signing_official_clear(actor=request.user, cohort=cohort)
        messages.success(request, _("This cohort's certificates are signed by the province's official again."))
        return redirect("certificates:cohort", cohort_id=cohort.pk)
    form = CohortOfficialForm(request.POST)
    if form.is_valid():
        try:
            services.signing_official_set(actor=request.user, province_code=cohort.province_id, cohort=cohort,
                                          **form.cleaned_data)  # fmt: skip
        except Refusal as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, _("The signing official was saved."))
            return redirect("certificates:cohort", cohort_id=cohort.pk)
    return _cohort_page(request, cohort, official_form=form, status=400)


@polled_login_required(page="certificates:cohort")
def issue_status(request: AuthenticatedRequest, cohort_id: int) -> HttpResponse:
    cohort = or_404(cohort_for(user=request.user, cohort_id=cohort_id))
    return render(
        request, "certificates/_progress.html", {"cohort": cohort, "progress": services.issue_progress(cohort=cohort)}
    )


@login_required
@require_POST
def issue_all(request: AuthenticatedRequest, cohort_id: int) -> HttpResponse:
    cohort = or_404(cohort_for(user=request.user, cohort_id=cohort_id))
    if services.certificates_issue_request(cohort=cohort, actor=request.user):
        messages.success(request, _("The certificates are being issued."))
    else:
        messages.error(request, _("The certificates could not be queued just now. Try again in a minute."))
    return redirect("certificates:cohort", cohort_id=cohort.pk)


class _Sink:
    """A write-only file that hands out what was written since the last call (for streaming)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:  # zipfile's writable protocol; the sink holds nothing to release
        pass

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


def _zip_stream(certificates: list[Certificate]):
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as archive:
        for certificate in certificates:
            info = zipfile.ZipInfo(certificate.number.replace("/", "-") + ".pdf")
            with archive.open(info, "w", force_zip64=True) as entry, certificate.pdf.open("rb") as fh:
                while chunk := fh.read(64 * 1024):
                    entry.write(chunk)
                    yield sink.take()
    yield sink.take()


@login_required
def cohort_zip(request: AuthenticatedRequest, cohort_id: int) -> StreamingHttpResponse:
    """Every valid, rendered PDF of the cohort as one ZIP, streamed as it is built."""
    cohort = or_404(cohort_for(user=request.user, cohort_id=cohort_id))
    certificates = list(selectors.cohort_certificates(cohort_id=cohort.pk)
                        .filter(status=Certificate.Status.VALID).exclude(pdf_sha256=""))  # fmt: skip
    response = StreamingHttpResponse(_zip_stream(certificates), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="sertifikat-angkatan-{cohort.pk}.zip"'
    return response


@login_required
def organiser_pdf(request: AuthenticatedRequest, certificate_id: int) -> FileResponse:
    certificate = _managed_certificate(request, certificate_id)
    if not certificate.is_rendered:
        raise Http404
    return _pdf_response(certificate)


@login_required
@require_POST
def revoke(request: AuthenticatedRequest, certificate_id: int) -> HttpResponse:
    certificate = _managed_certificate(request, certificate_id)
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            services.certificate_revoke(certificate=certificate, actor=request.user, reason=form.cleaned_data["reason"])
            messages.success(request, _("The certificate was revoked."))
        except Refusal as refusal:
            messages.error(request, refusal.message)
    else:
        messages.error(request, str(form.errors["reason"][0]))  # ErrorList[i] is the message
    return redirect("certificates:cohort", cohort_id=certificate.cohort_id)


@login_required
@require_POST
def reissue(request: AuthenticatedRequest, certificate_id: int) -> HttpResponse:
    certificate = _managed_certificate(request, certificate_id)
    form = ReissueForm(request.POST)
    if form.is_valid():
        try:
            new = services.certificate_reissue(certificate=certificate, actor=request.user,
                                               full_name=form.cleaned_data["full_name"])  # fmt: skip
            messages.success(request, _("Certificate %(number)s was issued.") % {"number": new.number})
        except Refusal as refusal:
            messages.error(request, refusal.message)
    else:
        messages.error(request, _("Give the corrected name."))
    return redirect("certificates:cohort", cohort_id=certificate.cohort_id)


@login_required
def officials(request: AuthenticatedRequest) -> HttpResponse:
    """The signing official of each province the user manages (a cohort's own is set on its page)."""
    provinces = list(provinces_managed_by(request.user))
    if not provinces:
        raise Http404
    form = OfficialForm(request.POST or None, provinces=provinces)
    if request.method == "POST" and form.is_valid():
        try:
            services.signing_official_set(actor=request.user, province_code=form.cleaned_data["province"],
                                          name=form.cleaned_data["name"], nip=form.cleaned_data["nip"],
                                          position=form.cleaned_data["position"])  # fmt: skip
            messages.success(request, _("The signing official was saved."))
            return redirect("certificates:officials")
        except Refusal as refusal:
            form.add_error(None, refusal.message)
    current = SigningOfficial.objects.filter(province__in=provinces, cohort__isnull=True).annotate(
        province_name=F("province__name")
    )
    return render(request, "certificates/officials.html", {"form": form, "officials": current})
