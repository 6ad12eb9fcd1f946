"""Named-allele matching on unphased genotypes, as PharmCAT's Named Allele Matcher documents it
(pharmcat.org/methods/NamedAlleleMatcher-101 and -201):

- a blank cell of a named allele means the reference allele's base; an allele's score is the number of
  positions its definition fills; a diplotype's score is the sum of its two alleles' scores;
- positions missing from the sample are dropped from every definition (and from the scores);
  an allele all of whose filled positions are missing cannot be called;
- every diplotype consistent with the unphased genotypes is found; the top-scoring ones are returned,
  all of them when tied (a tie is reported, never hidden), unless PharmCAT's exemptions list a pick for
  exactly that tie (NAT2);
- DPYD: when the genotypes fit no single diplotype (or several), CPIC's rule applies: the two alleles
  of lowest activity value among those the sample carries.

Tie-breaking, CYP2C19 and NAT2 (the issue asks for PharmCAT's documented rule; sources read):

- The score *is* PharmCAT's tie-breaker. NamedAlleleMatcher-101 (pharmcat.org/methods/NamedAlleleMatcher-101)
  says unphased data can fit several diplotypes, all "equally possible", and that they are scored "so that
  we can consistently pick one over another", returning only the top-scoring one(s); NamedAlleleMatcher-201
  adds that a named allele's score is raised by filling its cells with the reference base.
- CYP2C19: PharmCAT's reference allele is ``*38``, and its ``*1`` (defined by rs3758581, 80161A>G, the
  GRCh38 reference carrying the rarer base) is filled at all 35 positions, so ``*1`` scores like a
  reference: a diplotype of ``*1`` and one partial allele outscores two partial alleles explaining the
  same variants. PharmCAT's maintainers gave this as the reason for ``*1/*2`` on an unphased sample
  (github.com/PharmGKB/PharmCAT/issues/152, 2023-09-13: the matcher counts every position of the reference
  allele and only the defining positions of the others; CYP2C19 is the special case). The CYP2C19 entry of
  ``exemptions.json`` lists no priorities, and no pair of CYP2C19's named alleles ties here; a tie on
  partial data is reported with all its diplotypes.
- NAT2: a tie of exactly the diplotypes of an ``unphasedDiplotypePriorities`` entry of PharmCAT's
  ``exemptions.json`` is resolved to that entry's ``pick`` (NamedAlleleMatcher-201, "Exemptions": the file
  modifies the matcher's behaviour); the call quality says so. Any other tie is reported in full.

Written by hand: PharmCAT is Java and no Python package implements this matcher (pypgx phases with
Beagle, Java, and matches phased haplotypes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from precisionflow.pgx.definitions import GeneDefinition, PhenotypeTable
from precisionflow.pgx.genotypes import Genotype

NOT_CALLED = "not called"


@dataclass(frozen=True)
class GeneCall:
    gene: str
    diplotypes: tuple[tuple[str, str], ...]  # empty when not called; several when tied
    score: int
    missing: tuple[str, ...]  # rsid (or chrom:pos) of positions without a genotype
    note: str  # "" or why the call is partial, tied, by a rule, or absent

    @property
    def called(self) -> bool:
        return bool(self.diplotypes)

    def diplotype_text(self) -> str:
        return " or ".join(f"{a}/{b}" for a, b in self.diplotypes) if self.diplotypes else NOT_CALLED


def position_label(definition: GeneDefinition, index: int) -> str:
    position = definition.positions[index]
    return position.rsid or f"chr{position.chrom}:{position.pos}"


def _allele_sort_key(name: str, names: list[str]) -> tuple:
    """Star alleles by number (*2 before *38, as PharmCAT prints them), other names in definition order."""
    if name.startswith("*"):
        return (0, [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)])
    return (1, names.index(name))


def _order(first: str, second: str, names: list[str]) -> tuple[str, str]:
    ordered = sorted((first, second), key=lambda n: _allele_sort_key(n, names))
    return ordered[0], ordered[1]


def match_gene(
    definition: GeneDefinition,
    genotypes: tuple[Genotype, ...],
    max_missing_share: float,
    phenotypes: PhenotypeTable | None = None,
) -> GeneCall:
    """The top-scoring diplotype(s) of one gene for one sample's unphased genotypes."""
    gene = definition.gene
    present = [i for i, g in enumerate(genotypes) if g is not None]
    missing = tuple(position_label(definition, i) for i, g in enumerate(genotypes) if g is None)
    n_positions = len(genotypes)
    if not present or len(missing) > max_missing_share * n_positions:
        return GeneCall(gene, (), 0, missing, f"{NOT_CALLED}: {len(missing)} of {n_positions} positions missing")
    names = [a.name for a in definition.alleles]
    # alleles that can still be told apart: reference, or at least one filled position present
    usable = [a for a in definition.alleles if a.reference or any(a.defined[i] for i in present)]
    scores = np.array([sum(a.defined[i] for i in present) for a in usable])
    first = np.array([[genotypes[i][0] in a.accepts[i] for i in present] for a in usable])
    second = np.array([[genotypes[i][1] in a.accepts[i] for i in present] for a in usable])
    # pair (a, b) explains the unphased genotype at a position if a carries one allele and b the other
    consistent = ((first[:, None, :] & second[None, :, :]) | (second[:, None, :] & first[None, :, :])).all(axis=2)
    pairs = [(i, j) for i, j in zip(*np.nonzero(np.triu(consistent)), strict=True)]
    note = f"{len(missing)} of {n_positions} positions missing" if missing else ""
    if pairs:
        best = max(scores[i] + scores[j] for i, j in pairs)
        top = sorted(
            {_order(usable[i].name, usable[j].name, names) for i, j in pairs if scores[i] + scores[j] == best},
            key=lambda d: (_allele_sort_key(d[0], names), _allele_sort_key(d[1], names)),
        )
    else:
        best, top = 0, []
    if gene == "DPYD" and len(top) != 1:
        return _dpyd_lowest_function(definition, genotypes, present, missing, note, phenotypes, len(top))
    if len(top) > 1:
        texts = {f"{a}/{b}" for a, b in top}
        for tied, pick in definition.tie_priorities:
            if tied == texts:
                pair = tuple(pick.split("/"))
                return GeneCall(
                    gene,
                    (pair,),
                    int(best),
                    missing,
                    _join(note, f"tie of {len(top)} resolved by PharmCAT's priority list"),
                )
        return GeneCall(
            gene, tuple(top), int(best), missing, _join(note, f"ambiguous: {len(top)} diplotypes tied at score {best}")
        )
    if not top:
        return GeneCall(
            gene, (), 0, missing, _join(f"{NOT_CALLED}: no diplotype of the definitions fits the genotypes", note)
        )
    return GeneCall(gene, tuple(top), int(best), missing, note)


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def _dpyd_lowest_function(
    definition: GeneDefinition,
    genotypes: tuple[Genotype, ...],
    present: list[int],
    missing: tuple[str, ...],
    note: str,
    phenotypes: PhenotypeTable | None,
    n_fitting: int,
) -> GeneCall:
    """CPIC DPYD rule on unphased data: the two carried alleles of lowest activity (Reference fills in)."""
    reference = next(a for a in definition.alleles if a.reference)
    carried: list[str] = []
    for allele in definition.alleles:
        filled = [i for i in present if allele.defined[i] and allele.accepts[i] != reference.accepts[i]]
        if allele.reference or not filled:
            continue
        copies = [sum(g in allele.accepts[i] for g in genotypes[i]) for i in filled]
        carried += [allele.name] * min(copies)
    if not carried and n_fitting == 0:  # an allele outside the definitions: never call it reference
        return GeneCall(
            "DPYD", (), 0, missing, _join(f"{NOT_CALLED}: no diplotype of the definitions fits the genotypes", note)
        )
    activity = phenotypes.activity if phenotypes else {}
    carried.sort(key=lambda name: (float(activity.get(name, "1.0") or 1.0), name))
    pair = (carried + [reference.name, reference.name])[:2]
    names = [a.name for a in definition.alleles]
    reason = "no diplotype fits" if n_fitting == 0 else f"{n_fitting} diplotypes fit"
    return GeneCall(
        "DPYD",
        (_order(pair[0], pair[1], names),),
        0,
        missing,
        _join(note, f"CPIC lowest-function pair of {len(carried)} carried alleles ({reason})"),
    )
