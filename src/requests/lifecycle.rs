//! The request lifecycle (DESIGN.md section 4) as pure functions: which side and role may
//! take which action, and from which status to which. No database, no HTTP.

use crate::auth::roles::Role;
use crate::vocab::{Outcome, RequestStatus};

/// What a caller can do to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Edit,
    Submit,
    Approve,
    Acknowledge,
    AskClarification,
    AnswerClarification,
    Forward,
    Respond(Outcome),
    /// The executing authority decides (Dir. 2014/41 Art 12(3) recognition, Art 32(2)
    /// provisional measures).
    Recognise,
    Object,
    /// The enforcing authority confirms it raises no ground (Reg. 2023/1543 Art 10(2)).
    ConfirmNoGrounds,
    /// The addressee derogates from a time limit to obtain a judicial authorisation (Dir. (EU)
    /// 2023/977 Art 5(2)).
    Derogate,
    /// The issuer confirms a follow-up request sent outside Rogatory (Reg. 2023/1543 Annex V).
    ConfirmFollowUp,
    Withdraw,
    Extend,
    Release,
    PostMessage,
}

impl Action {
    pub fn name(self) -> &'static str {
        match self {
            Action::Edit => "edit",
            Action::Submit => "submit",
            Action::Approve => "approve",
            Action::Acknowledge => "acknowledge",
            Action::AskClarification => "ask a clarification on",
            Action::AnswerClarification => "answer a clarification on",
            Action::Forward => "forward",
            Action::Respond(_) => "respond to",
            Action::Recognise => "recognise",
            Action::Object => "object to",
            Action::ConfirmNoGrounds => "confirm no grounds for refusal on",
            Action::Derogate => "derogate from the time limit of",
            Action::ConfirmFollowUp => "confirm a follow-up request of",
            Action::Withdraw => "withdraw",
            Action::Extend => "extend",
            Action::Release => "release",
            Action::PostMessage => "post a message on",
        }
    }
}

/// The caller's party's relation to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Issuer,
    /// The current addressee.
    Addressee,
    EnforcingAuthority,
    /// A party on the routing path that forwarded the request: it may read, not act.
    Observer,
}

/// Which side may take an action.
pub fn allowed_sides(action: Action) -> &'static [Side] {
    match action {
        Action::Edit
        | Action::Submit
        | Action::Approve
        | Action::AnswerClarification
        | Action::Withdraw
        | Action::Extend
        | Action::Release
        | Action::ConfirmFollowUp => &[Side::Issuer],
        Action::Acknowledge
        | Action::AskClarification
        | Action::Forward
        | Action::Respond(_)
        | Action::Recognise
        | Action::Derogate => &[Side::Addressee],
        Action::Object | Action::ConfirmNoGrounds => &[Side::EnforcingAuthority],
        Action::PostMessage => &[Side::Issuer, Side::Addressee, Side::EnforcingAuthority],
    }
}

/// Which roles may take an action (any one of them).
pub fn required_roles(action: Action) -> &'static [Role] {
    match action {
        Action::Edit
        | Action::Submit
        | Action::AnswerClarification
        | Action::Withdraw
        | Action::Extend
        | Action::Release
        | Action::ConfirmFollowUp => &[Role::Operator],
        Action::Approve => &[Role::Approver],
        Action::Acknowledge
        | Action::AskClarification
        | Action::Forward
        | Action::Respond(_)
        | Action::Recognise
        | Action::Derogate
        | Action::Object
        | Action::ConfirmNoGrounds => &[Role::Responder],
        Action::PostMessage => &[Role::Operator, Role::Responder],
    }
}

/// Facts about the request that the transitions depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Facts {
    /// The issuing party requires an approver's approval (four eyes).
    pub requires_approval: bool,
    /// The request asks for preservation (only those can end `preserved`).
    pub is_preservation: bool,
    /// The basis has decisions of an executing authority (Dir. 2014/41 Arts 12, 32).
    pub recognisable: bool,
    /// The enforcing authority's clock is still open (Reg. 2023/1543 Art 12(1)): it may object,
    /// also after the addressee answered (to the transmission while the notification is
    /// suspensive, Art 8(4); to the use of data sent in an emergency, Art 10(4)).
    pub objection_window_open: bool,
}

/// Which of the `Facts` that take a read `action`'s transition depends on (the rest may stay
/// `false`): kept beside `next_status`, whose arms they mirror, so that an action reads only
/// what it needs (issue 16).
pub struct FactsNeeded {
    pub requires_approval: bool,
    pub recognisable: bool,
    pub objection_window_open: bool,
}

pub fn facts_needed(action: Action) -> FactsNeeded {
    FactsNeeded {
        requires_approval: action == Action::Submit,
        recognisable: action == Action::Recognise,
        objection_window_open: matches!(action, Action::Object | Action::ConfirmNoGrounds),
    }
}

/// The status after `action`, or why the current status does not allow it (a 409).
pub fn next_status(status: RequestStatus, action: Action, facts: Facts) -> Result<RequestStatus, String> {
    use RequestStatus::*;
    let next = match (action, status) {
        (Action::Edit, Draft) => Some(Draft),
        (Action::Submit, Draft) => Some(if facts.requires_approval { PendingApproval } else { Submitted }),
        (Action::Approve, PendingApproval) => Some(Submitted),
        (Action::Acknowledge, Submitted) => Some(Acknowledged),
        // A platform may ask for clarification before acknowledging (Reg. 2023/1543 Annex III).
        (Action::AskClarification, Submitted | Acknowledged) => Some(AwaitingClarification),
        (Action::AnswerClarification, AwaitingClarification) => Some(Acknowledged),
        (Action::Forward, Submitted | Acknowledged) => Some(Submitted),
        (Action::Respond(Outcome::Preserved), Submitted | Acknowledged) => facts.is_preservation.then_some(Preserved),
        (Action::Respond(_), Submitted | Acknowledged) => Some(Completed),
        // A decision implies receipt: the executing authority decides once it has the EIO.
        (Action::Recognise, Submitted | Acknowledged) => facts.recognisable.then_some(Acknowledged),
        // Whether the basis allows it is checked with its clocks (Dir. (EU) 2023/977 Art 5(2)).
        (Action::Derogate, Submitted | Acknowledged) => Some(Acknowledged),
        // The enforcing authority raises a ground for refusal (Reg. 2023/1543 Art 12), before
        // the answer, or after it while its window is open (Art 8(4), Art 10(4)).
        (Action::Object, Submitted | Acknowledged | AwaitingClarification) => Some(Completed),
        (Action::Object, Completed) => facts.objection_window_open.then_some(Completed),
        (Action::ConfirmNoGrounds, Submitted | Acknowledged | AwaitingClarification | Completed) => {
            facts.objection_window_open.then_some(status)
        }
        (Action::Withdraw, Draft | PendingApproval | Submitted | Acknowledged | AwaitingClarification | Preserved) => {
            Some(Withdrawn)
        }
        (Action::Extend | Action::ConfirmFollowUp, Preserved) => Some(Preserved),
        (Action::Release, Preserved) => Some(Released),
        (
            Action::PostMessage,
            Submitted | Acknowledged | AwaitingClarification | Completed | Preserved | Released | Lapsed | Withdrawn,
        ) => Some(status),
        _ => None,
    };
    next.ok_or_else(|| match (action, status) {
        (Action::Respond(Outcome::Preserved), Submitted | Acknowledged) => {
            "only a preservation request can be answered `preserved`".to_owned()
        }
        (Action::Recognise, Submitted | Acknowledged) => format!(
            "this legal basis has no decision on recognition (Dir. 2014/41 Art 12 applies to EIOs); the request's status is {status}"
        ),
        (Action::Object | Action::ConfirmNoGrounds, Submitted | Acknowledged | AwaitingClarification | Completed) => {
            format!(
                "the enforcing authority's time has ended (Reg. 2023/1543 Art 12(1)); the request's status is {status}"
            )
        }
        _ => format!("cannot {} a request whose status is {status}", action.name()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use RequestStatus::*;

    const OUTCOMES: [Outcome; 5] =
        [Outcome::Fulfilled, Outcome::PartiallyFulfilled, Outcome::NoData, Outcome::Refused, Outcome::Preserved];

    fn actions() -> Vec<Action> {
        let mut all = vec![
            Action::Edit,
            Action::Submit,
            Action::Approve,
            Action::Acknowledge,
            Action::AskClarification,
            Action::AnswerClarification,
            Action::Forward,
            Action::Object,
            Action::Recognise,
            Action::ConfirmNoGrounds,
            Action::Derogate,
            Action::ConfirmFollowUp,
            Action::Withdraw,
            Action::Extend,
            Action::Release,
            Action::PostMessage,
        ];
        all.extend(OUTCOMES.map(Action::Respond));
        all
    }

    /// The expected table, written out independently of `next_status`: every allowed
    /// (status, action) pair for a preservation request of a party without four eyes.
    fn expected(status: RequestStatus, action: Action) -> Option<RequestStatus> {
        let open = [Submitted, Acknowledged, AwaitingClarification];
        match action {
            Action::Edit => (status == Draft).then_some(Draft),
            Action::Submit => (status == Draft).then_some(Submitted),
            Action::Approve => (status == PendingApproval).then_some(Submitted),
            Action::Acknowledge => (status == Submitted).then_some(Acknowledged),
            Action::AskClarification => [Submitted, Acknowledged].contains(&status).then_some(AwaitingClarification),
            Action::AnswerClarification => (status == AwaitingClarification).then_some(Acknowledged),
            Action::Forward => [Submitted, Acknowledged].contains(&status).then_some(Submitted),
            Action::Respond(Outcome::Preserved) => [Submitted, Acknowledged].contains(&status).then_some(Preserved),
            Action::Respond(_) => [Submitted, Acknowledged].contains(&status).then_some(Completed),
            Action::Object => open.contains(&status).then_some(Completed),
            // Neither an EIO nor a request with an open enforcing-authority window here.
            Action::Recognise | Action::ConfirmNoGrounds => None,
            Action::Derogate => [Submitted, Acknowledged].contains(&status).then_some(Acknowledged),
            Action::Withdraw => {
                (open.contains(&status) || [Draft, PendingApproval, Preserved].contains(&status)).then_some(Withdrawn)
            }
            Action::Extend | Action::ConfirmFollowUp => (status == Preserved).then_some(Preserved),
            Action::Release => (status == Preserved).then_some(Released),
            Action::PostMessage => (![Draft, PendingApproval].contains(&status)).then_some(status),
        }
    }

    #[test]
    fn every_status_and_action_pair() {
        let facts = Facts { requires_approval: false, is_preservation: true, ..Facts::default() };
        let mut checked = 0;
        for status in RequestStatus::ALL {
            for action in actions() {
                let got = next_status(status, action, facts).ok();
                assert_eq!(got, expected(status, action), "{status:?} + {action:?}");
                if got.is_none() {
                    let why = next_status(status, action, facts).unwrap_err();
                    assert!(why.contains(&status.to_string()), "the refusal names the status: {why}");
                }
                checked += 1;
            }
        }
        assert_eq!(checked, 10 * 21);
    }

    #[test]
    fn four_eyes_sends_submissions_to_approval() {
        let facts = Facts { requires_approval: true, ..Facts::default() };
        assert_eq!(next_status(Draft, Action::Submit, facts), Ok(PendingApproval));
        assert_eq!(next_status(PendingApproval, Action::Approve, facts), Ok(Submitted));
    }

    #[test]
    fn only_preservations_end_preserved() {
        let facts = Facts::default();
        let why = next_status(Acknowledged, Action::Respond(Outcome::Preserved), facts).unwrap_err();
        assert!(why.contains("preservation"), "{why}");
        assert_eq!(next_status(Acknowledged, Action::Respond(Outcome::Fulfilled), facts), Ok(Completed));
    }

    #[test]
    fn the_enforcing_authority_may_object_after_the_answer_while_its_window_is_open() {
        // Reg. 2023/1543 Art 8(4), Art 10(2) and (4).
        let open = Facts { objection_window_open: true, ..Facts::default() };
        assert_eq!(next_status(Completed, Action::Object, open), Ok(Completed));
        assert_eq!(next_status(Completed, Action::ConfirmNoGrounds, open), Ok(Completed));
        assert_eq!(next_status(Submitted, Action::ConfirmNoGrounds, open), Ok(Submitted));
        let why = next_status(Completed, Action::Object, Facts::default()).unwrap_err();
        assert!(why.contains("Art 12(1)"), "{why}");
        assert!(next_status(Withdrawn, Action::Object, open).is_err());
    }

    #[test]
    fn only_an_eio_is_recognised() {
        // Dir. 2014/41 Art 12(3): a decision, separate from the acknowledgement (Art 16(1)).
        let eio = Facts { recognisable: true, ..Facts::default() };
        assert_eq!(next_status(Acknowledged, Action::Recognise, eio), Ok(Acknowledged));
        assert_eq!(next_status(Submitted, Action::Recognise, eio), Ok(Acknowledged));
        assert!(next_status(Acknowledged, Action::Recognise, Facts::default()).unwrap_err().contains("Art 12"));
        assert!(next_status(Completed, Action::Recognise, eio).is_err());
    }

    #[test]
    fn sides_and_roles() {
        assert_eq!(allowed_sides(Action::Acknowledge), [Side::Addressee]);
        assert_eq!(allowed_sides(Action::Object), [Side::EnforcingAuthority]);
        assert!(!allowed_sides(Action::PostMessage).contains(&Side::Observer));
        assert_eq!(required_roles(Action::Approve), [Role::Approver]);
        assert_eq!(required_roles(Action::Respond(Outcome::NoData)), [Role::Responder]);
        for action in actions() {
            assert!(!allowed_sides(action).is_empty() && !required_roles(action).is_empty(), "{action:?}");
        }
    }

    /// `facts_needed` leaves out only what `next_status` never reads for that action: with
    /// every combination of facts, masking the ones not needed changes no transition.
    #[test]
    fn an_action_reads_every_fact_its_transition_needs() {
        for action in actions() {
            let needed = facts_needed(action);
            for bits in 0..16u8 {
                let facts = Facts {
                    requires_approval: bits & 1 != 0,
                    is_preservation: bits & 2 != 0,
                    recognisable: bits & 4 != 0,
                    objection_window_open: bits & 8 != 0,
                };
                let masked = Facts {
                    requires_approval: facts.requires_approval && needed.requires_approval,
                    is_preservation: facts.is_preservation,
                    recognisable: facts.recognisable && needed.recognisable,
                    objection_window_open: facts.objection_window_open && needed.objection_window_open,
                };
                for status in RequestStatus::ALL {
                    assert_eq!(
                        next_status(status, action, facts),
                        next_status(status, action, masked),
                        "{action:?} from {status:?} with {facts:?}"
                    );
                }
            }
        }
    }
}
