"""The demo's organizations and the shape of their activity.

A deterministic demo dataset: three organizations, ~200 members, a year of AI calls and more.

Everything is derived from one seed and from "now", so the same ``now`` always gives the same
data. It is stored through the same code as the ``/v1`` routes (the query functions and the
ingest pipeline), so the rollups are exactly what production ingest would build.

The three organizations show the cases the two pages must handle:

- ``acme`` (Europe/Paris) pays for AI with Intervy credits; its plan was upgraded a few months
  ago and unused interview credits do not roll over;
- ``globex`` (America/Los_Angeles) runs AI on its own Anthropic key (BYOK); capped rollover,
  billing periods starting on the 15th;
- ``initech`` (Asia/Tokyo) switched from credits to its own OpenAI key in the middle of this
  month: its earlier calls are CREDITS calls, the later ones BYOK; full rollover.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from itertools import accumulate

from gateway.orgs.enums import AiBillingMode, AiProvider, Role, RolloverRule
from gateway.orgs.plans import EPOCH
from gateway.usage.enums import UsageReason

SEED = 20_260_315
BATCH_SIZE = 5_000
TOKEN_TTL = timedelta(days=30)
# Months of data, the current (partial) month included.
HISTORY_MONTHS = 13
# A first plan applies from the organization's first billing period (as ``PUT /v1/orgs`` does).
FIRST_PLAN_FROM = EPOCH

# Hiring seasons: peaks in spring and autumn, quiet summers and year ends.
SEASON = {
    1: 0.95,
    2: 1.05,
    3: 1.2,
    4: 1.25,
    5: 1.1,
    6: 0.95,
    7: 0.8,
    8: 0.6,
    9: 1.15,
    10: 1.25,
    11: 1.1,
    12: 0.75,
}
WEEKDAY = (1.0, 1.05, 1.05, 1.0, 0.85, 0.12, 0.07)  # Monday .. Sunday
# Local hour of the day an AI call or an invitation happens, weighted.
HOURS = (7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22)
HOUR_WEIGHTS = (2, 6, 10, 12, 11, 6, 8, 11, 11, 10, 7, 4, 2, 1, 1, 1)
HOUR_CUM = tuple(accumulate(HOUR_WEIGHTS))

ROLE_ACTIVITY = {
    Role.ACCOUNT_ADMIN: 0.4,
    Role.ADMIN: 0.6,
    Role.STAFFING: 1.3,
    Role.INTERVIEWER: 1.0,
}
REASONS = (UsageReason.CHAT, UsageReason.GENERATE_FIELD, UsageReason.SUMMARIZE_CV)
REASON_CUM_BY_ROLE = {
    Role.ACCOUNT_ADMIN: tuple(accumulate((70, 27, 3))),
    Role.ADMIN: tuple(accumulate((60, 35, 5))),
    Role.STAFFING: tuple(accumulate((45, 25, 30))),
    Role.INTERVIEWER: tuple(accumulate((65, 25, 10))),
}
# Token sizes of a call by reason: (low, high, mode) of input, then of output.
TOKENS = {
    UsageReason.CHAT: ((600, 6_000, 1_800), (120, 1_200, 350)),
    UsageReason.GENERATE_FIELD: ((300, 2_000, 700), (20, 300, 80)),
    UsageReason.SUMMARIZE_CV: ((2_500, 12_000, 5_000), (250, 900, 450)),
}
# Credits (ten-thousandths) per weighted token (input + 4 x output), by model tier.
CREDITS_PER_TOKEN_E4 = {
    "Opus": 5.8,
    "Sonnet": 3.1,
    "Haiku": 1.55,
    "GPT-4.1": 2.6,
    "GPT-4o": 2.9,
    "GPT-4.1 mini": 1.3,
    "GPT-4o mini": 1.1,
}
MODEL_TIER = {
    "claude-opus-4-1": "Opus",
    "claude-sonnet-4-5": "Sonnet",
    "claude-sonnet-4": "Sonnet",
    "claude-haiku-4-5": "Haiku",
    "gpt-4.1": "GPT-4.1",
    "gpt-4.1-mini": "GPT-4.1 mini",
    "gpt-4o": "GPT-4o",
    "gpt-4o-mini": "GPT-4o mini",
}
# Which models an organization's calls use, by organization and billing mode, weighted.
# SONNET is the current Sonnet: Sonnet 4 until mid-year, then Sonnet 4.5.
SONNET = "sonnet"
MODEL_MIX: dict[tuple[str, str], tuple[tuple[str, int], ...]] = {
    ("*", AiBillingMode.CREDITS): (
        (SONNET, 50),
        ("claude-haiku-4-5", 30),
        ("claude-opus-4-1", 8),
        ("gpt-4o-mini", 12),
    ),
    ("globex", AiBillingMode.BYOK): (
        (SONNET, 60),
        ("claude-haiku-4-5", 30),
        ("claude-opus-4-1", 10),
    ),
    ("initech", AiBillingMode.CREDITS): (
        (SONNET, 45),
        ("claude-haiku-4-5", 25),
        ("gpt-4o", 15),
        ("gpt-4o-mini", 15),
    ),
    ("initech", AiBillingMode.BYOK): (
        ("gpt-4.1", 45),
        ("gpt-4.1-mini", 35),
        ("gpt-4o", 10),
        ("gpt-4o-mini", 10),
    ),
}
# Bounds of the credits charged per call, by reason (ten-thousandths).
CREDIT_BOUNDS_E4 = {
    UsageReason.CHAT: (5_000, 30_000),
    UsageReason.GENERATE_FIELD: (1_000, 8_000),
    UsageReason.SUMMARIZE_CV: (5_000, 40_000),
}


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


@dataclass(frozen=True)
class PlanSpec:
    credits: int
    rollover: RolloverRule
    cap: int | None
    anchor_day: int


@dataclass(frozen=True)
class OrgSpec:
    id: str
    name: str
    time_zone: str
    domain: str
    ai_mode: AiBillingMode
    ai_provider: AiProvider | None
    plan: PlanSpec
    # The plan the organization had before ``plan`` (upgraded a few billing periods ago).
    earlier_plan: PlanSpec | None
    # Members by role; ``removed`` of the non-admin ones leave during the year.
    roles: tuple[tuple[Role, int], ...]
    removed: int
    calls_per_weekday: float
    invites_per_weekday: float
    purchase_credits: int
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    job_titles: tuple[str, ...]


ORGS: tuple[OrgSpec, ...] = (
    OrgSpec(
        id="acme",
        name="Acme Recrutement",
        time_zone="Europe/Paris",
        domain="acme.example",
        ai_mode=AiBillingMode.CREDITS,
        ai_provider=None,
        plan=PlanSpec(credits=400, rollover=RolloverRule.NONE, cap=None, anchor_day=1),
        earlier_plan=PlanSpec(credits=300, rollover=RolloverRule.NONE, cap=None, anchor_day=1),
        roles=(
            (Role.ACCOUNT_ADMIN, 2),
            (Role.ADMIN, 3),
            (Role.STAFFING, 22),
            (Role.INTERVIEWER, 58),
        ),
        removed=6,
        calls_per_weekday=190,
        invites_per_weekday=19,
        purchase_credits=100,
        first_names=_names(
            "Camille Léa Manon Chloé Emma Inès Julie Sarah Claire Pauline Lucie Marion "
            "Élodie Anaïs Margaux Hélène Lucas Hugo Thomas Nicolas Julien Maxime Antoine "
            "Alexandre Romain Mathieu Quentin Théo Louis Baptiste Guillaume Pierre Yanis "
            "Karim Mehdi Sofiane Amina Fatou Nadia Aurélien"
        ),
        last_names=_names(
            "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon "
            "Laurent Lefèvre Michel Garcia David Bertrand Roux Vincent Fournier Morel "
            "Girard André Mercier Dupont Lambert Bonnet François Martinez Legrand Garnier "
            "Faure Rousseau Blanc Guérin Muller Henry Roussel Nicolas Perrin Benali Diallo "
            "N'Diaye Haddad"
        ),
        job_titles=(
            "Senior Backend Engineer",
            "Frontend Engineer (React)",
            "Product Designer",
            "Data Analyst",
            "Customer Success Manager",
            "Account Executive - France",
            "DevOps Engineer",
            "Engineering Manager",
            "Sales Development Representative",
            "HR Business Partner",
            "QA Engineer",
            "Product Manager - Payments",
            "Marketing Manager",
            "Machine Learning Engineer",
            "Technical Support Specialist",
            "Finance Controller",
        ),
    ),
    OrgSpec(
        id="globex",
        name="Globex Corporation",
        time_zone="America/Los_Angeles",
        domain="globex.example",
        ai_mode=AiBillingMode.BYOK,
        ai_provider=AiProvider.ANTHROPIC,
        plan=PlanSpec(credits=200, rollover=RolloverRule.CAPPED, cap=100, anchor_day=15),
        earlier_plan=None,
        roles=(
            (Role.ACCOUNT_ADMIN, 1),
            (Role.ADMIN, 3),
            (Role.STAFFING, 16),
            (Role.INTERVIEWER, 45),
        ),
        removed=5,
        calls_per_weekday=140,
        invites_per_weekday=14,
        purchase_credits=100,
        first_names=_names(
            "James Mary Michael Jennifer David Linda Chris Jessica Daniel Ashley Matthew "
            "Emily Andrew Megan Joshua Amanda Ryan Lauren Brandon Rachel Kevin Nicole Jason "
            "Stephanie Tyler Samantha Carlos Maria Jose Sofia Wei Priya Arjun Grace Ethan "
            "Olivia Noah Ava Liam Isabella"
        ),
        last_names=_names(
            "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Moore "
            "Jackson White Harris Clark Lewis Robinson Walker Young Allen King Wright Scott "
            "Hill Green Adams Nelson Baker Hernandez Lopez Gonzalez Rivera Nguyen Kim Chen "
            "Patel Shah O'Brien Murphy Reyes"
        ),
        job_titles=(
            "Software Engineer II",
            "Senior Data Scientist",
            "Recruiting Coordinator",
            "UX Researcher",
            "Solutions Architect",
            "Site Reliability Engineer",
            "Account Manager",
            "Security Engineer",
            "Staff Engineer, Platform",
            "Business Analyst",
            "Office Manager",
            "Mobile Engineer (iOS)",
        ),
    ),
    OrgSpec(
        id="initech",
        name="Initech K.K.",
        time_zone="Asia/Tokyo",
        domain="initech.example",
        ai_mode=AiBillingMode.BYOK,
        ai_provider=AiProvider.OPENAI,
        plan=PlanSpec(credits=120, rollover=RolloverRule.FULL, cap=None, anchor_day=1),
        earlier_plan=None,
        roles=(
            (Role.ACCOUNT_ADMIN, 1),
            (Role.ADMIN, 2),
            (Role.STAFFING, 12),
            (Role.INTERVIEWER, 35),
        ),
        removed=4,
        calls_per_weekday=100,
        invites_per_weekday=8,
        purchase_credits=50,
        first_names=_names(
            "Haruto Yuto Sota Yuki Hayato Ren Kaito Takumi Daiki Kenta Shota Ryo Hiroshi "
            "Takeshi Kazuki Yui Aoi Hina Sakura Mio Yuna Rin Saki Miyu Nanami Ayaka Haruka "
            "Misaki Emi Keiko"
        ),
        last_names=_names(
            "Sato Suzuki Takahashi Tanaka Watanabe Ito Yamamoto Nakamura Kobayashi Kato "
            "Yoshida Yamada Sasaki Yamaguchi Matsumoto Inoue Kimura Hayashi Shimizu "
            "Yamazaki Mori Abe Ikeda Hashimoto Ishikawa Ogawa Fujita Okada Goto Hasegawa"
        ),
        job_titles=(
            "Backend Engineer (Go)",
            "Bilingual Sales Representative",
            "Infrastructure Engineer",
            "Project Manager",
            "Localization Specialist",
            "Data Engineer",
            "Customer Support (Japanese/English)",
            "Embedded Software Engineer",
            "In-house Recruiter",
        ),
    ),
)
DEMO_ORG_IDS = tuple(spec.id for spec in ORGS)
# The organization whose ACCOUNT_ADMIN gets the printed token, and that member.
ADMIN_ORG_ID = ORGS[0].id
ADMIN_MEMBER_ID = f"{ADMIN_ORG_ID}-u001"
SWITCH_ORG_ID = "initech"
