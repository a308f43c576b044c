"""Domain and API models of the assistant: messages and replies, conversations, handoffs, knowledge items."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from koban.tenants.models import AssistantGroup
from koban.text import CLEAN, NOT_BLANK, SINGLE_LINE

MAX_MESSAGE_CHARACTERS = 2000
ConversationId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{22,64}$")]
Locale = Annotated[str, Field(pattern=r"^[a-z]{2}([-_][A-Za-z]{2})?$", description="The app's locale, e.g. nl-BE")]
Language = Annotated[str, Field(pattern=r"^[a-z]{2}$", description="ISO 639-1")]
ItemId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{2,63}$")]
Tag = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{1,39}$")]


# ---------------------------------------------------------------------------------------------- messages


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[
        str,
        Field(max_length=MAX_MESSAGE_CHARACTERS, description="What the resident wrote"),
        CLEAN,
        NOT_BLANK,
    ]
    conversation_id: Annotated[
        ConversationId | None, Field(description="Continue this conversation; omit to start one")
    ] = None
    locale: Locale | None = None


class KnowledgeSource(BaseModel):
    """A knowledge item the answer quotes."""

    id: str
    title: str
    language: str
    url: str | None = None


class AssistantRoute(BaseModel):
    unit: Annotated[str, Field(description="Code of one of the tenant's units")]
    unit_name: str
    reason: str


class ReportOffer(BaseModel):
    """A prefilled report the app can open (POST /v1/tenants/{tenant}/reports with this category and text)."""

    category: Annotated[str, Field(description="A report category code of the tenant")]
    category_name: str
    description: str
    required_questions: Annotated[
        list[str], Field(description="Codes of the category's required questions the app must still ask")
    ]


class ReplyOut(BaseModel):
    conversation_id: str
    language: Annotated[str, Field(description="The language of the message (ISO 639-1)")]
    answer_language: Annotated[str, Field(description="The language of `answer`")]
    emergency: bool
    category: AssistantGroup
    confidence: Annotated[float, Field(ge=0, le=1)]
    answer: str
    sources: list[KnowledgeSource]
    route: AssistantRoute
    handoff: bool
    report_offer: ReportOffer | None
    engine: Annotated[str, Field(description="'offline', or the answer plugin that phrased the answer")]


# ---------------------------------------------------------------------------------------------- conversations


class ConversationSpeaker(StrEnum):
    RESIDENT = "resident"
    ASSISTANT = "assistant"


class ConversationTurn(BaseModel):
    model_config = ConfigDict(frozen=True)

    position: int
    speaker: ConversationSpeaker
    text: Annotated[str, Field(description="Phone numbers and e-mail addresses are redacted")]
    at: AwareDatetime
    category: AssistantGroup | None = None
    emergency: bool = False
    sources: tuple[str, ...] = ()


class Conversation(BaseModel):
    model_config = ConfigDict(frozen=True)

    tenant: str
    id: str
    created_at: AwareDatetime
    updated_at: AwareDatetime
    language: str
    turns: int = 0
    category: AssistantGroup | None = None
    emergency: bool = False
    handoff: bool = False
    handoff_at: AwareDatetime | None = None
    unit: str | None = None
    expires_at: int


class HandoffOut(BaseModel):
    conversation_id: str
    handed_off_at: datetime
    language: str
    category: AssistantGroup
    emergency: bool
    unit: str
    summary: Annotated[str, Field(description="The resident's message that was handed over (redacted)")]


class HandoffListOut(BaseModel):
    tenant: str
    items: list[HandoffOut]
    next_cursor: str | None


class ConversationOut(BaseModel):
    id: str
    created_at: datetime
    updated_at: datetime
    language: str
    category: AssistantGroup | None
    emergency: bool
    handoff: bool
    unit: str | None
    turns: list[ConversationTurn]


# ---------------------------------------------------------------------------------------------- knowledge


class KnowledgeKind(StrEnum):
    FAQ = "faq"
    DOCUMENT = "document"
    TRAINING = "training"  # a training module (for the capability model's recommendations)


class KnowledgeStatus(StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"


class KnowledgeAudience(StrEnum):
    RESIDENTS = "residents"
    SENIORS = "seniors"
    YOUNG_PEOPLE = "young_people"
    BUSINESSES = "businesses"
    VICTIMS = "victims"
    POLICE = "police"
    MUNICIPALITY = "municipality"
    PARTNERS = "partners"


# The assistant answers residents only from items written for one of these audiences.
RESIDENT_AUDIENCES = frozenset(
    {
        KnowledgeAudience.RESIDENTS,
        KnowledgeAudience.SENIORS,
        KnowledgeAudience.YOUNG_PEOPLE,
        KnowledgeAudience.BUSINESSES,
        KnowledgeAudience.VICTIMS,
    }
)


class KnowledgeItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    language: Language
    kind: KnowledgeKind = KnowledgeKind.FAQ
    title: Annotated[str, Field(max_length=200), CLEAN, NOT_BLANK, SINGLE_LINE]
    question: Annotated[Annotated[str, Field(max_length=500), CLEAN, NOT_BLANK, SINGLE_LINE] | None, Field()] = None
    body: Annotated[str, Field(max_length=8000, description="The answer (FAQ) or the document text"), CLEAN, NOT_BLANK]
    categories: Annotated[
        list[AssistantGroup], Field(max_length=14, description="The enquiry categories it answers")
    ] = Field(default_factory=list)
    audience: Annotated[list[KnowledgeAudience], Field(min_length=1, max_length=6)] = Field(
        default_factory=lambda: [KnowledgeAudience.RESIDENTS]
    )
    tags: Annotated[list[Tag], Field(max_length=20)] = Field(default_factory=list)
    url: Annotated[str | None, Field(max_length=500, pattern=r"^https://[^\s<>\"]+$")] = None


class KnowledgeItemUpdate(KnowledgeItemIn):
    version: Annotated[int, Field(ge=1, description="The version this change was made on")]


class KnowledgeItem(KnowledgeItemIn):
    model_config = ConfigDict(frozen=True, extra="forbid")

    tenant: str
    id: ItemId
    status: KnowledgeStatus = KnowledgeStatus.ACTIVE
    version: int = 1
    created_at: AwareDatetime
    updated_at: AwareDatetime
    updated_by: str

    @property
    def for_residents(self) -> bool:
        return self.status is KnowledgeStatus.ACTIVE and not RESIDENT_AUDIENCES.isdisjoint(self.audience)


class KnowledgeItemOut(BaseModel):
    id: str
    language: str
    kind: KnowledgeKind
    title: str
    question: str | None
    body: str
    categories: list[AssistantGroup]
    audience: list[KnowledgeAudience]
    tags: list[str]
    url: str | None
    status: KnowledgeStatus
    version: int
    created_at: datetime
    updated_at: datetime
    updated_by: str


class KnowledgeListOut(BaseModel):
    tenant: str
    items: list[KnowledgeItemOut]
