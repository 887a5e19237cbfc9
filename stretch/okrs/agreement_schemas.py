"""The shapes of the agreement API: proposals, alignment requests, dependencies."""

from datetime import datetime
from typing import Literal

from ninja import Field, Schema

from stretch.pagination import Paged


class PersonRef(Schema):
    id: int
    name: str


class ProposalOut(Schema):
    id: int
    objective: int
    proposer: PersonRef | None
    reviewer: PersonRef | None
    state: Literal["pending", "changes_requested", "agreed", "withdrawn"]
    message: str
    answer: str
    created_at: datetime
    answered_at: datetime | None


class ProposalState(Schema):
    objective: int
    status: str = Field(description="the objective's status: draft, active…")
    needs_agreement: bool = Field(description="the company's workflow: drafts need agreement")
    reviewers: list[PersonRef] = Field(description="who may review it, the usual one first")
    current: ProposalOut | None = Field(description="the newest proposal, in any state")
    history: list[ProposalOut] = Field(description="every proposal, newest first")


class ProposalIn(Schema):
    message: str = Field("", max_length=5000)
    reviewer: int | None = Field(None, description="a person id; default: the usual reviewer")


class AnswerIn(Schema):
    answer: str = Field("", max_length=5000)


class AlignmentRequestIn(Schema):
    objective: int = Field(description="your objective, which is to contribute")
    target: int = Field(description="the objective it is to contribute to")
    message: str = Field("", max_length=5000)


class ReasonIn(Schema):
    reason: str = Field("", max_length=5000)


class AlignmentRequestOut(Schema):
    id: int
    objective: int
    objective_title: str
    target: int
    target_title: str
    requester: PersonRef | None
    message: str
    state: Literal["pending", "accepted", "declined", "withdrawn"]
    reason: str
    answered_by: PersonRef | None
    can_answer: bool
    created_at: datetime
    answered_at: datetime | None


class AlignmentRequestPage(Paged):
    items: list[AlignmentRequestOut]


class DependencyIn(Schema):
    objective: int
    team: int = Field(description="the team whose help is needed")
    note: str = Field("", max_length=5000)


class DependencyOut(Schema):
    id: int
    objective: int
    objective_title: str
    team: int
    team_name: str
    note: str
    state: Literal["pending", "confirmed", "declined"]
    requested_by: PersonRef | None
    answered_by: PersonRef | None
    reason: str
    can_answer: bool
    created_at: datetime
    answered_at: datetime | None


class DependencyPage(Paged):
    items: list[DependencyOut]
