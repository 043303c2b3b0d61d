from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from literasi.models import EmployeeKind, Province, User
from literasi.services import organiser_assign, user_create_verified

DEMO_PASSWORD = "literasi-demo-2025"  # noqa: S105 - printed for the demo on purpose
DEMO_USERS = [
    {
        "role": "learner",
        "email": "peserta@demo.literasi.id",
        "full_name": "Siti Rahmawati",
        "nip": "198609262015052001",
        "employee_kind": EmployeeKind.PNS,
        "instansi": "Pemerintah Provinsi Jawa Barat",
        "jabatan": "Analis Kebijakan",
        "province": "32",
    },
    {
        "role": "organiser of Jawa Barat",
        "email": "penyelenggara.jabar@demo.literasi.id",
        "full_name": "Agus Setiawan",
        "nip": None,
        "employee_kind": EmployeeKind.WIDYAISWARA,
        "instansi": "BPSDM Provinsi Jawa Barat",
        "jabatan": "Widyaiswara Ahli Madya",
        "province": "32",
        "organises": "32",
    },
    {
        "role": "national admin",
        "email": "admin@demo.literasi.id",
        "full_name": "Admin Nasional Komdigi",
        "nip": None,
        "employee_kind": EmployeeKind.PNS,
        "instansi": "Kementerian Komunikasi dan Digital",
        "jabatan": "Pranata Komputer",
        "province": "31",
        "is_national_admin": True,
    },
]


class Command(BaseCommand):
    help = "Create the demo accounts (learner, organiser of Jawa Barat, national admin). Safe to repeat."

    def handle(self, *args: object, **options: object) -> None:
        if settings.PRODUCTION:
            raise CommandError("Demo accounts are never created in production.")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for spec in DEMO_USERS:
            user = User.objects.filter(email=spec["email"]).first()
            if user is None:
                user = user_create_verified(
                    email=spec["email"],
                    password=DEMO_PASSWORD,
                    full_name=spec["full_name"],
                    nip=spec["nip"],
                    employee_kind=spec["employee_kind"],
                    instansi=spec["instansi"],
                    jabatan=spec["jabatan"],
                    province=Province.objects.get(code=spec["province"]),
                    is_national_admin=spec.get("is_national_admin", False),
                )
            if "organises" in spec:
                organiser_assign(user=user, province=Province.objects.get(code=spec["organises"]))
            self.stdout.write(f"  {spec['role']:<24} {spec['email']}")
