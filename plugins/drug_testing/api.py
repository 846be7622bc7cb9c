"""REST endpoints of drug testing:
/api/v1/c/<commune>/drug-testing/persons/<person_id>/...

Every route reaches the person first, so a person out of the caller's reach
(or of another commune) is not found. What a reader sees of tests and
referrals depends on who they are: holders of ``drug_testing:read_results``,
and officers the chief has named for this person (a disclosure), see
everything; other readers see that a test was done and how it came out, and
no due or called-off test at all. Every read is audited with the fields
shown.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy.orm import Session

from core.toolkit import (
    PAGINATION,
    NotFound,
    caller_holds,
    display_name,
    etag_headers,
    note_read,
    page_read,
    reachable,
    request_session,
    requires,
    show_everything,
    signed_in,
)
from plugins.drug_testing import service
from plugins.drug_testing.models import DrugTest, Status
from plugins.drug_testing.schemas import (
    REFERRAL_SUMMARY,
    TEST_SUMMARY,
    AddictionReferralSchema,
    DeterminationSchema,
    DisclosureSchema,
    DrugTestQuerySchema,
    DrugTestResultSchema,
    DrugTestSchema,
)

READ = service.READ
RESULTS = "drug_testing:read_results"
WRITE = "drug_testing:write"
DISCLOSE = "drug_testing:disclose"

TEST_FIELDS = frozenset(DrugTestSchema().fields)
REFERRAL_FIELDS = frozenset(AddictionReferralSchema().fields)
DISCLOSURE_FIELDS = frozenset(DisclosureSchema().fields)

blp = Blueprint(
    "drug_testing_api",
    __name__,
    url_prefix="/api/v1/c/<commune>/drug-testing/persons/<uuid:person_id>",
    description="Drug tests, referrals for determination of addiction status, "
    "and disclosures of full results (the drug_testing plugin).",
)


def _sees_everything(db: Session, person_id: uuid.UUID) -> bool:
    """Whether the caller sees full results of this person; the schemas of
    the request follow the answer."""
    user_id = signed_in().user_id
    full = caller_holds(RESULTS) or (
        user_id is not None and service.disclosed_to(db, person_id, user_id)
    )
    show_everything(full)
    return full


def _shown(
    full: bool, everything: frozenset[str], summary: frozenset[str]
) -> frozenset[str]:
    return everything if full else summary


def _test(person_id: uuid.UUID, test_id: uuid.UUID) -> tuple[DrugTest, bool]:
    """The test, and whether the caller sees all of it."""
    db = request_session()
    test = service.get_test(db, reachable(db, person_id).id, test_id)
    full = _sees_everything(db, person_id)
    if not full and test.status is not Status.DONE:
        # Readers of the summary learn of tests once done, never beforehand.
        raise NotFound("This person has no drug test with that id.")
    return test, full


@blp.route("/tests")
class PersonTests(MethodView):
    @requires(READ)
    @blp.arguments(DrugTestQuerySchema, location="query")
    @blp.response(200, DrugTestSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(
        self, args: dict[str, Any], person_id: uuid.UUID, pagination_parameters: Any
    ) -> Any:
        """The person's tests, the latest due first; filter by status."""
        db = request_session()
        person = reachable(db, person_id)
        full = _sees_everything(db, person.id)
        status = args.get("status") if full else Status.DONE.value
        return page_read(
            db,
            person,
            service.tests_of(person.id, status),
            pagination_parameters,
            "drug_tests",
            _shown(full, TEST_FIELDS, TEST_SUMMARY),
        )

    @requires(WRITE)
    @blp.arguments(DrugTestSchema)
    @blp.response(201, DrugTestSchema)
    def post(self, values: dict[str, Any], person_id: uuid.UUID) -> Any:
        """Schedule an ad-hoc test; it reaches the health desk's work list."""
        db = request_session()
        test = service.schedule(db, reachable(db, person_id), values, signed_in())
        _sees_everything(db, person_id)
        db.commit()
        return test, 201, etag_headers(test)


@blp.route("/tests/<uuid:test_id>")
class DrugTestById(MethodView):
    @requires(READ)
    @blp.response(200, DrugTestSchema)
    def get(self, person_id: uuid.UUID, test_id: uuid.UUID) -> Any:
        """One test, as much of it as you may see."""
        db = request_session()
        test, full = _test(person_id, test_id)
        shown = _shown(full, TEST_FIELDS, TEST_SUMMARY)
        note_read(db, person_id, "drug_test", shown, {"test": str(test.id)})
        db.commit()
        return test, 200, etag_headers(test)


@blp.route("/tests/<uuid:test_id>/result")
class DrugTestResult(MethodView):
    @requires(WRITE)
    @blp.arguments(DrugTestResultSchema)
    @blp.response(200, DrugTestSchema)
    def post(
        self, values: dict[str, Any], person_id: uuid.UUID, test_id: uuid.UUID
    ) -> Any:
        """Record the result of a due test. A positive result asks the
        person's officer and the chief to review the file; no tier changes."""
        db = request_session()
        test, _full = _test(person_id, test_id)
        service.record_result(db, test, values, signed_in())
        db.commit()
        return test, 200, etag_headers(test)


@blp.route("/tests/<uuid:test_id>/cancel")
class DrugTestCancel(MethodView):
    @requires(WRITE)
    @blp.response(200, DrugTestSchema)
    def post(self, person_id: uuid.UUID, test_id: uuid.UUID) -> Any:
        """Call off a due test; its work item is dismissed."""
        db = request_session()
        test, _full = _test(person_id, test_id)
        service.cancel(db, test, display_name(db, signed_in()))
        db.commit()
        return test, 200, etag_headers(test)


@blp.route("/referrals")
class Referrals(MethodView):
    @requires(READ)
    @blp.response(200, AddictionReferralSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(self, person_id: uuid.UUID, pagination_parameters: Any) -> Any:
        """Referrals for determination of addiction status, the latest first."""
        db = request_session()
        person = reachable(db, person_id)
        full = _sees_everything(db, person.id)
        return page_read(
            db,
            person,
            service.referrals_of(person.id),
            pagination_parameters,
            "drug_testing_referrals",
            _shown(full, REFERRAL_FIELDS, REFERRAL_SUMMARY),
        )

    @requires(WRITE)
    @blp.arguments(AddictionReferralSchema)
    @blp.response(201, AddictionReferralSchema)
    def post(self, values: dict[str, Any], person_id: uuid.UUID) -> Any:
        """Refer the person to a health facility to determine whether they
        are addicted."""
        db = request_session()
        referral = service.refer(db, reachable(db, person_id), values, signed_in())
        _sees_everything(db, person_id)
        db.commit()
        return referral, 201, etag_headers(referral)


@blp.route("/referrals/<uuid:referral_id>")
class ReferralById(MethodView):
    @requires(READ)
    @blp.response(200, AddictionReferralSchema)
    def get(self, person_id: uuid.UUID, referral_id: uuid.UUID) -> Any:
        """One referral, as much of it as you may see."""
        db = request_session()
        referral = service.get_referral(db, reachable(db, person_id).id, referral_id)
        full = _sees_everything(db, person_id)
        note_read(
            db,
            person_id,
            "drug_testing_referral",
            _shown(full, REFERRAL_FIELDS, REFERRAL_SUMMARY),
            {"referral": str(referral.id)},
        )
        db.commit()
        return referral, 200, etag_headers(referral)


@blp.route("/referrals/<uuid:referral_id>/determination")
class ReferralDetermination(MethodView):
    @requires(WRITE)
    @blp.arguments(DeterminationSchema)
    @blp.response(200, AddictionReferralSchema)
    def post(
        self, values: dict[str, Any], person_id: uuid.UUID, referral_id: uuid.UUID
    ) -> Any:
        """Record what the facility concluded."""
        db = request_session()
        referral = service.get_referral(db, reachable(db, person_id).id, referral_id)
        service.determine(db, referral, values, signed_in())
        _sees_everything(db, person_id)
        db.commit()
        return referral, 200, etag_headers(referral)


@blp.route("/disclosures")
class Disclosures(MethodView):
    @requires(DISCLOSE)
    @blp.response(200, DisclosureSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(self, person_id: uuid.UUID, pagination_parameters: Any) -> Any:
        """Who the chief has let read this person's full results."""
        db = request_session()
        person = reachable(db, person_id)
        return page_read(
            db,
            person,
            service.disclosures_of(person.id),
            pagination_parameters,
            "drug_testing_disclosures",
            DISCLOSURE_FIELDS,
        )

    @requires(DISCLOSE)
    @blp.arguments(DisclosureSchema)
    @blp.response(201, DisclosureSchema)
    def post(self, values: dict[str, Any], person_id: uuid.UUID) -> Any:
        """Let one officer read this person's full results until a day."""
        db = request_session()
        disclosure = service.disclose(
            db, reachable(db, person_id), values, signed_in(), g.commune
        )
        db.commit()
        return disclosure, 201


@blp.route("/disclosures/<uuid:disclosure_id>")
class DisclosureById(MethodView):
    @requires(DISCLOSE)
    @blp.response(204)
    def delete(self, person_id: uuid.UUID, disclosure_id: uuid.UUID) -> None:
        """Revoke a disclosure now; it stays listed, with when it ended."""
        db = request_session()
        person = reachable(db, person_id)
        service.revoke(db, service.get_disclosure(db, person.id, disclosure_id))
        db.commit()
