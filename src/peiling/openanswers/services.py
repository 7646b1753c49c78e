"""Operations that change codebooks and codings.

Every change of an answer's codes goes through ``codings_set`` and is kept as a
``CodingChange`` (who, when, the code names before and after), so that the history is
complete and undo (``coding_undo``) can take the last change of a person back. Suggestions
of a theme proposal become codings only through ``suggestions_confirm``: nothing is coded
without a person.

Messages of ``CodingError`` are translated (Dutch in the web app, English on the command
line).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from peiling.fieldwork.models import Fieldwork
from peiling.openanswers.models import (
    AgreementSample,
    AnswerScan,
    BlindCoding,
    Code,
    Codebook,
    Coding,
    CodingChange,
    Suggestion,
    ThemeProposal,
)
from peiling.openanswers.privacy import scan
from peiling.openanswers.selectors import answer_texts, text_questions
from peiling.openanswers.themes import NO_ANSWER_CODE, OTHER_CODE

__all__ = [
    "DEFAULT_CODES",
    "CodingError",
    "agreement_sample_create",
    "blind_code",
    "code_add",
    "code_delete",
    "code_merge",
    "code_move",
    "code_rename",
    "code_split",
    "codebook_create",
    "coding_undo",
    "codings_set",
    "personal_data_release",
    "personal_data_scan",
    "proposal_accept",
    "proposal_make",
    "suggestions_confirm",
    "suggestions_replace",
]

#: The codes every codebook starts with (kind, name, Dutch label): they are what a
#: researcher reaches for first, and the same two in every study make tables comparable.
DEFAULT_CODES = ((Code.Kind.OTHER, OTHER_CODE, "Overig"),
                 (Code.Kind.NO_ANSWER, NO_ANSWER_CODE, "Geen zinvol antwoord"))
LABEL_MAX = 120


class CodingError(ValueError):
    """A codebook or coding change that cannot be made, with a message for the researcher."""


def codebook_create(*, fieldwork: Fieldwork, question: str) -> Codebook:
    """Return the codebook of ``question`` (a text question of the fieldwork's
    questionnaire), made with the default codes when it has none yet."""
    names = [q.name for q in text_questions(fieldwork.form_version.form)]
    if question not in names:
        raise CodingError(_("“%(question)s” is no open question of this questionnaire; open "
                            "questions: %(names)s.") % {
                                "question": question, "names": ", ".join(names) or "-"})
    with transaction.atomic():
        codebook, made = Codebook.objects.get_or_create(fieldwork=fieldwork, question=question)
        if made:
            Code.objects.bulk_create(
                Code(codebook=codebook, kind=kind, name=name, label=label, position=position)
                for position, (kind, name, label) in enumerate(DEFAULT_CODES, start=1))
    return codebook


def _touch(codebook_id: int) -> None:
    """Note that the codebook changed (the results pages read their data again)."""
    Codebook.objects.filter(pk=codebook_id).update(changed_at=timezone.now())


def _label(label: str) -> str:
    label = " ".join(str(label).split())
    if not label:
        raise CodingError(_("A code needs a label."))
    if len(label) > LABEL_MAX:
        raise CodingError(_("A label has at most %(max)d characters.") % {"max": LABEL_MAX})
    return label


def _taken(codebook: Codebook, label: str, *, other_than: int | None = None) -> None:
    same = Code.objects.filter(codebook=codebook, label__iexact=label)
    if other_than is not None:
        same = same.exclude(pk=other_than)
    if same.exists():
        raise CodingError(_("There is a code “%(label)s” already.") % {"label": label})


def _name_for(codebook: Codebook, label: str) -> str:
    """A name for exports made from the label: lower case ASCII letters, digits and ``_``,
    starting with a letter, unique in the codebook."""
    plain = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode().lower()
    base = re.sub(r"[^a-z0-9]+", "_", plain).strip("_")[:30] or "code"
    if not base[0].isalpha():
        base = f"c_{base}"[:30]
    taken = set(Code.objects.filter(codebook=codebook).values_list("name", flat=True))
    name, number = base, 2
    while name in taken:
        name, number = f"{base}_{number}", number + 1
    return name


def code_add(*, codebook: Codebook, label: str, description: str = "",
             parent: Code | None = None) -> Code:
    """Add a code at the end of the codebook (or of ``parent``'s codes)."""
    label = _label(label)
    _taken(codebook, label)
    if parent is not None:
        if parent.codebook_id != codebook.pk:
            raise CodingError(_("The parent code is of another codebook."))
        if parent.parent_id is not None:
            raise CodingError(_("A codebook has two levels at most: “%(label)s” is a code "
                                "under a theme already.") % {"label": parent.label})
    last = Code.objects.filter(codebook=codebook).aggregate(last=Max("position"))["last"] or 0
    try:
        with transaction.atomic():
            code = Code.objects.create(codebook=codebook, label=label, parent=parent,
                                       description=str(description).strip(),
                                       name=_name_for(codebook, label), position=last + 1)
            _touch(codebook.pk)
            return code
    except IntegrityError:  # the same label added at the same moment
        raise CodingError(_("There is a code “%(label)s” already.") % {"label": label}) from None


def code_rename(*, code: Code, label: str, description: str | None = None) -> Code:
    """Give a code another label (its name in exports stays)."""
    label = _label(label)
    _taken(code.codebook, label, other_than=code.pk)
    code.label = label
    if description is not None:
        code.description = str(description).strip()
    code.save(update_fields=["label", "description"])
    _touch(code.codebook_id)
    return code


def code_move(*, code: Code, up: bool) -> None:
    """Move a code one place up or down among its siblings (the codes with its parent)."""
    siblings = list(Code.objects.filter(codebook=code.codebook_id, parent=code.parent_id))
    index = next(i for i, sibling in enumerate(siblings) if sibling.pk == code.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(siblings):
        return
    siblings[index], siblings[other] = siblings[other], siblings[index]
    positions = sorted(sibling.position for sibling in siblings)
    if len(set(positions)) < len(positions):  # equal positions: number them afresh
        positions = list(range(positions[0], positions[0] + len(siblings)))
    for sibling, position in zip(siblings, positions, strict=True):
        sibling.position = position
    Code.objects.bulk_update(siblings, ["position"])
    _touch(code.codebook_id)


def code_merge(*, source: Code, target: Code, user: Any) -> int:
    """Merge ``source`` into ``target``: every answer coded with ``source`` carries
    ``target`` instead (each change kept in the history), its suggestions and codes under
    it move along, and ``source`` is gone. Return the number of answers recoded."""
    if source.codebook_id != target.codebook_id:
        raise CodingError(_("Codes of two codebooks cannot be merged."))
    if source.pk == target.pk:
        raise CodingError(_("Choose two different codes to merge."))
    if target.parent_id == source.pk:
        raise CodingError(_("A code cannot be merged into a code under it."))
    if target.parent_id is not None and source.children.exists():
        raise CodingError(_("“%(label)s” has codes under it: merge it into a theme, not "
                            "into a code under a theme.") % {"label": source.label})
    codebook = source.codebook
    with transaction.atomic():
        answers = list(Coding.objects.filter(codebook=codebook, code=source)
                       .values_list("response_id", flat=True))
        current = _current(codebook, answers)
        wanted = {response: (current[response] - {source.pk}) | {target.pk}
                  for response in answers}
        changed = _apply(codebook, wanted, user=user, how="merged", current=current)
        Suggestion.objects.filter(codebook=codebook, code=source,
                                  response__in=Suggestion.objects.filter(
                                      codebook=codebook, code=target).values("response")).delete()
        Suggestion.objects.filter(codebook=codebook, code=source).update(code=target)
        Code.objects.filter(parent=source).update(parent=target)
        source.delete()
        _touch(codebook.pk)
    return changed


def code_split(*, code: Code, labels: Sequence[str]) -> list[Code]:
    """Split a code: the new codes ``labels`` go under it, and it becomes their theme. The
    answers coded with it keep it until they are coded with one of the new codes (the
    coding page lists them by code)."""
    if code.parent_id is not None:
        raise CodingError(_("Only a code at the top level can be split (a codebook has two "
                            "levels at most)."))
    cleaned = [_label(label) for label in labels if str(label).strip()]
    if len(cleaned) < 2:
        raise CodingError(_("Split a code into two codes or more."))
    if len({label.casefold() for label in cleaned}) < len(cleaned):
        raise CodingError(_("The new codes need different labels."))
    with transaction.atomic():
        return [code_add(codebook=code.codebook, label=label, parent=code) for label in cleaned]


def code_delete(*, code: Code) -> None:
    """Delete a code no answer carries and no code is under (merge a code that is used)."""
    if code.children.exists():
        raise CodingError(_("“%(label)s” has codes under it.") % {"label": code.label})
    if Coding.objects.filter(code=code).exists():
        raise CodingError(_("Answers are coded with “%(label)s”: merge it into another code "
                            "instead.") % {"label": code.label})
    code.delete()


def _current(codebook: Codebook, responses: Iterable[int]) -> dict[int, set[int]]:
    current: dict[int, set[int]] = {response: set() for response in responses}
    ids = list(current)
    for start in range(0, len(ids), 5000):  # SQLite takes some 30,000 parameters at most
        for response, code in Coding.objects.filter(
                codebook=codebook, response__in=ids[start:start + 5000]).values_list(
                    "response_id", "code_id"):
            current[response].add(code)
    return current


def codings_set(*, codebook: Codebook, codes: Mapping[int, Iterable[int]], user: Any,
                how: str = "coded") -> int:
    """Give each answer (response id) in ``codes`` exactly those codes (ids of the
    codebook's codes; none leaves it uncoded). Return how many answers changed.

    Raises ``CodingError`` (storing nothing) for a code of another codebook or a response
    that gave no answer to the question.
    """
    wanted = {int(response): {int(code) for code in ids} for response, ids in codes.items()}
    known = set(Code.objects.filter(codebook=codebook).values_list("pk", flat=True))
    unknown = set().union(*wanted.values()) - known if wanted else set()
    if unknown:
        raise CodingError(_("Unknown codes: %(codes)s.") % {
            "codes": ", ".join(str(code) for code in sorted(unknown))})
    answered = answer_texts(codebook=codebook, only=list(wanted))
    missing = sorted(set(wanted) - set(answered))
    if missing:
        raise CodingError(_("No answer to code: %(ids)s.") % {
            "ids": ", ".join(str(pk) for pk in missing[:10])})
    with transaction.atomic():
        changed = _apply(codebook, wanted, user=user, how=how)
        for response, ids in wanted.items():  # a suggestion coded is a suggestion confirmed
            Suggestion.objects.filter(codebook=codebook, response_id=response,
                                      code_id__in=ids).delete()
        return changed


def _apply(codebook: Codebook, wanted: Mapping[int, set[int]], *, user: Any, how: str,
           current: Mapping[int, set[int]] | None = None) -> int:
    current = current if current is not None else _current(codebook, wanted)
    names = dict(Code.objects.filter(codebook=codebook).values_list("pk", "name"))
    now = timezone.now()
    add, remove, changes = [], [], []
    for response, codes in wanted.items():
        before = current.get(response, set())
        if codes == before:
            continue
        add += [Coding(codebook=codebook, response_id=response, code_id=code, coded_by=user,
                       coded_at=now) for code in sorted(codes - before)]
        remove += [(response, code) for code in before - codes]
        changes.append(CodingChange(
            codebook=codebook, response_id=response, changed_by=user, changed_at=now, how=how,
            before=sorted(names.get(code, str(code)) for code in before),
            after=sorted(names[code] for code in codes)))
    by_code: dict[int, list[int]] = {}
    for response, code in remove:
        by_code.setdefault(code, []).append(response)
    for code, responses in by_code.items():
        for start in range(0, len(responses), 5000):
            Coding.objects.filter(codebook=codebook, code_id=code,
                                  response_id__in=responses[start:start + 5000]).delete()
    Coding.objects.bulk_create(add, batch_size=1000)
    CodingChange.objects.bulk_create(changes, batch_size=1000)
    if changes:
        _touch(codebook.pk)
    return len(changes)


def coding_undo(*, codebook: Codebook, user: Any) -> CodingChange | None:
    """Take back the last change ``user`` made in ``codebook`` that is not undone yet (the
    answer gets the codes it had before; codes deleted since are left out). Return it, or
    ``None`` when there is nothing to undo."""
    with transaction.atomic():
        last = (CodingChange.objects.select_for_update()
                .filter(codebook=codebook, changed_by=user, undone=False)
                .exclude(how="undo").order_by("-changed_at", "-pk").first())
        if last is None:
            return None
        by_name = dict(Code.objects.filter(codebook=codebook).values_list("name", "pk"))
        before = {by_name[name] for name in last.before if name in by_name}
        _apply(codebook, {last.response_id: before}, user=user, how="undo")
        last.undone = True
        last.save(update_fields=["undone"])
    return last


def suggestions_replace(*, codebook: Codebook,
                        suggestions: Mapping[int, Sequence[tuple[int, float]]]) -> int:
    """Replace the codebook's suggestions with ``suggestions`` (per response id: code id
    and confidence); return how many were stored."""
    rows = [Suggestion(codebook=codebook, response_id=response, code_id=code,
                       confidence=round(float(confidence), 4))
            for response, pairs in suggestions.items() for code, confidence in pairs]
    with transaction.atomic():
        Suggestion.objects.filter(codebook=codebook).delete()
        Suggestion.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def suggestions_confirm(*, codebook: Codebook, user: Any,
                        responses: Iterable[int] | None = None,
                        min_confidence: float = 0.0) -> int:
    """Confirm suggestions: the answers (all, or ``responses``) get the suggested codes
    of at least ``min_confidence`` added to their codes; the confirmed suggestions are gone.
    Return how many answers changed."""
    chosen = Suggestion.objects.filter(codebook=codebook, confidence__gte=min_confidence)
    pairs = list(chosen.values_list("pk", "response_id", "code_id"))
    if responses is not None:
        keep = {int(response) for response in responses}
        pairs = [pair for pair in pairs if pair[1] in keep]
    with transaction.atomic():
        current = _current(codebook, {response for _pk, response, _code in pairs})
        wanted = {response: set(codes) for response, codes in current.items()}
        for _pk, response, code in pairs:
            wanted[response].add(code)
        changed = _apply(codebook, wanted, user=user, how="confirmed", current=current)
        done = [pk for pk, _r, _c in pairs]
        for start in range(0, len(done), 5000):
            Suggestion.objects.filter(pk__in=done[start:start + 5000]).delete()
    return changed


def proposal_make(*, codebook: Codebook, user: Any = None,
                  progress: Any = None) -> ThemeProposal:
    """Propose themes for the codebook's answers (``openanswers.themes.propose``) and keep
    the proposal (replacing an earlier one). Raises ``CodingError`` when the answers are
    too few or too alike to propose themes."""
    from peiling.openanswers.themes import propose

    texts = answer_texts(codebook=codebook)
    ids = list(texts)
    if progress is not None:
        progress(1, 3, gettext_noop("Looking for themes in the answers"))
    try:
        proposal = propose([texts[pk] for pk in ids])
    except ValueError as error:
        raise CodingError(_("No themes can be proposed: %(reason)s.") % {
            "reason": str(error)}) from None
    if progress is not None:
        progress(2, 3, gettext_noop("Keeping the proposal"))
    themes = [{"terms": list(theme.terms), "label": theme.label[:1].upper() + theme.label[1:],
               "size": len(theme.members), "typical": [ids[i] for i in theme.typical]}
              for theme in proposal.themes]
    assignments = {str(ids[i]): [int(t), round(float(c), 4)] for i, (t, c) in
                   enumerate(zip(proposal.theme_of, proposal.confidence, strict=True)) if t >= 0}
    with transaction.atomic():
        ThemeProposal.objects.filter(codebook=codebook).delete()
        return ThemeProposal.objects.create(
            codebook=codebook, created_by=user, answers=len(ids), themes=themes,
            stability={str(k): v for k, v in proposal.stability.items()},
            assignments=assignments)


def proposal_accept(*, proposal: ThemeProposal,
                    choices: Sequence[tuple[bool, str, int | None]]) -> tuple[int, int]:
    """Take over a theme proposal: per theme (in the proposal's order) whether it is
    accepted, its label, and the theme it is merged into (its position, or ``None``).
    Accepted themes become codes (a label that is a code already is that code); their
    answers get that code as a suggestion with the answer's confidence, replacing earlier
    suggestions. Nothing is coded. Return (codes made, suggestions stored).

    Raises ``CodingError`` (storing nothing) for a wrong number of choices, an accepted
    theme without a label, or a merge into a theme that is itself merged or not accepted.
    """
    if len(choices) != len(proposal.themes):
        raise CodingError(_("The proposal has %(n)d themes; choose for each.") % {
            "n": len(proposal.themes)})
    target: dict[int, int] = {}
    for index, (accepted, label, merge) in enumerate(choices):
        if not accepted:
            continue
        if merge is None or merge == index:
            if not str(label).strip():
                raise CodingError(_("Theme %(n)d needs a label.") % {"n": index + 1})
            target[index] = index
            continue
        if not 0 <= merge < len(choices) or not choices[merge][0] or (
                choices[merge][2] not in (None, merge)):
            raise CodingError(_("Theme %(n)d can only be merged into an accepted theme that "
                                "is not merged itself.") % {"n": index + 1})
        target[index] = merge
    codebook = proposal.codebook
    made = 0
    with transaction.atomic():
        code_of: dict[int, int] = {}
        existing = {c.label.casefold(): c for c in Code.objects.filter(codebook=codebook)}
        for index in sorted(set(target.values())):
            label = _label(choices[index][1])
            code = existing.get(label.casefold())
            if code is None:
                code = code_add(codebook=codebook, label=label)
                existing[label.casefold()] = code
                made += 1
            code_of[index] = code.pk
        suggestions: dict[int, list[tuple[int, float]]] = {}
        for response, (theme, confidence) in proposal.assignments.items():
            if theme in target:
                suggestions[int(response)] = [(code_of[target[theme]], confidence)]
        stored = suggestions_replace(codebook=codebook, suggestions=suggestions)
    return made, stored


#: The sizes of an agreement sample a researcher may draw.
SAMPLE_MIN, SAMPLE_MAX = 10, 1000


def agreement_sample_create(*, codebook: Codebook, size: int, user: Any,
                            seed: int | None = None) -> AgreementSample:
    """Draw a random sample of ``size`` of the codebook's answers for blind double coding
    (the whole set when there are fewer)."""
    import random

    if not SAMPLE_MIN <= size <= SAMPLE_MAX:
        raise CodingError(_("A sample has %(min)d to %(max)d answers.") % {
            "min": SAMPLE_MIN, "max": SAMPLE_MAX})
    answers = list(answer_texts(codebook=codebook))
    if len(answers) < SAMPLE_MIN:
        raise CodingError(_("There are fewer than %(min)d answers to sample.") % {
            "min": SAMPLE_MIN})
    rng = random.Random(seed)  # noqa: S311  (a sample of answers, not security)
    chosen = sorted(rng.sample(answers, min(size, len(answers))))
    return AgreementSample.objects.create(codebook=codebook, responses=chosen,
                                          created_by=user)


def blind_code(*, sample: AgreementSample, coder: Any, response: int,
               codes: Iterable[int]) -> None:
    """Store ``coder``'s codes (ids of the codebook's codes) of one answer of the sample."""
    if response not in sample.responses:
        raise CodingError(_("That answer is not in the sample."))
    names = dict(Code.objects.filter(codebook=sample.codebook_id).values_list("pk", "name"))
    ids = {int(code) for code in codes}
    unknown = ids - set(names)
    if unknown:
        raise CodingError(_("Unknown codes: %(codes)s.") % {
            "codes": ", ".join(str(code) for code in sorted(unknown))})
    BlindCoding.objects.update_or_create(sample=sample, coder=coder, response_id=response,
                                         defaults={"codes": sorted(names[i] for i in ids)})


# -- personal data ----------------------------------------------------------------------------


def personal_data_scan(*, fieldwork: Fieldwork, progress: Any = None) -> int:
    """Scan the answers to the fieldwork's open questions that are not scanned yet for
    possible personal data (``privacy.scan``, names included: deduce loads once per process,
    so this runs in a worker or an export, never in a page); return how many were scanned."""
    scanned = 0
    questions = [q.name for q in text_questions(fieldwork.form_version.form)]
    for number, question in enumerate(questions):
        done = set(AnswerScan.objects.filter(fieldwork=fieldwork, question=question)
                   .values_list("response_id", flat=True))
        texts = {pk: text for pk, text in answer_texts(fieldwork=fieldwork, question=question)
                 .items() if pk not in done}
        rows = [AnswerScan(fieldwork=fieldwork, question=question, response_id=pk,
                           found=[[f.kind, f.start, f.end] for f in scan(text)])
                for pk, text in texts.items()]
        # A scan racing this one stored the same findings: either row will do.
        AnswerScan.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
        scanned += len(rows)
        if progress is not None:
            progress(number + 1, len(questions), gettext_noop("Scanning open answers"))
    return scanned


def personal_data_release(*, fieldwork: Fieldwork, question: str, response: int, user: Any,
                          release: bool = True) -> AnswerScan:
    """Release an answer in which the scan found possible personal data, to be shown
    unmasked in reports and exports (or, with ``release=False``, mask it again)."""
    try:
        row = AnswerScan.objects.get(fieldwork=fieldwork, question=question,
                                     response_id=response)
    except AnswerScan.DoesNotExist:
        raise CodingError(_("That answer has not been scanned for personal data yet.")) from None
    if not row.found:
        raise CodingError(_("Nothing that looks like personal data was found in that answer."))
    row.released_by, row.released_at = (user, timezone.now()) if release else (None, None)
    row.save(update_fields=["released_by", "released_at"])
    return row
