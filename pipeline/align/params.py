"""The aligner's version, its parameters and the records it reads and returns."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from pipeline.models import Bead

ALIGNER_VERSION = "align-10"
# (source sentences, target sentences) per bead; runs of unaligned sentences are apart.
BEAD_TYPES = tuple((a, b) for a in range(1, 6) for b in range(1, 6) if a + b <= 6)
# what lengths alone can place (a first pass without any other signal): literary translations
# split a sentence in three often enough that without 1-3 the search slips (MAC-Dev without any
# signal: 0.517 -> 0.600, each chapter above Gale-Church; de-fr 0.837 -> 0.834)
LENGTH_ONLY_TYPES = ((1, 1), (1, 2), (2, 1), (2, 2), (1, 3), (3, 1))


@dataclass(frozen=True)
class AlignParams:
    null_open: float = 0.8  # starting a run of unaligned sentences (at the prior null rate)
    null_extend: float = 0.25  # each unaligned sentence (at the prior null rate)
    null_prior: float = 0.03  # share of unaligned sentences expected before looking
    null_prior_weight: float = 200.0  # sentences' worth of belief in the prior
    null_discount: float = 1.0  # the price of leaving out a sentence that matches nothing
    null_passes: int = 1  # first passes estimating the share of unaligned sentences
    null_run_prior: float = 3.0  # mean length of a run of unaligned sentences, before looking
    null_run_weight: float = 2.0  # runs' worth of belief in that prior
    null_run_power: float = 1.0  # how far the run opening's price follows the mean run length
    merge_penalty: float = 0.2  # per extra sentence in a bead
    cross_factor: float = 1.0  # the penalty's share for the smaller side of a bead
    unsupported_penalty: float = 1.5  # on a bead the translation says nothing for
    # ... in full only where the document gives reason to read "says nothing" as "left out":
    # where the estimated share of unaligned sentences reaches `unsupported_rate[1]` (none below
    # [0]), and where right beads do share their words with the translation (the typical best
    # 1-1 similarity reaches `unsupported_match[1]`, none below [0]). A free translation or a
    # poor MT leaves real parts sharing nothing, and so does a corpus with few omissions
    # (0, 0: always in full)
    unsupported_rate: tuple[float, float] = (0.0, 0.0)
    unsupported_match: tuple[float, float] = (0.0, 0.0)
    weight_mt: float = 10.0
    weight_lexicon: float = 2.5
    weight_length: float = 2.0
    weight_anchor: float = 0.5
    weight_position: float = 1.0
    hubness: float = 1.0  # how much of a span's mean similarity is subtracted
    part_factor: float = 5.0  # a merged bead is no better than its weakest part allows
    part_factor_gained: float = 0.0  # added to it as far as each edge sentence adds its share
    # ... and the cap lifted as far as the merged bead's length fits better than each of its
    # sub-beads' does, by `cap_lift_fit` (a split sentence's pieces complete its length, a
    # sentence beside a bead overshoots it: a piece sharing few words with the translation is
    # still part of the bead), where omissions are rare: in full below the share of unaligned
    # sentences `cap_lift_rate[0]` (the prior, or a first pass's estimate), not from [1]
    cap_lift_fit: float = 0.0  # 0: never lifted
    cap_lift_rate: tuple[float, float] = (0.05, 0.08)
    # whether a first pass, priced by the prior, lifts too: with a translation it keeps a free
    # translation's first pass from finding omissions that are not there; without one it hid
    # part of a damaged corpus's real omissions from the estimate (bench/align.py decided)
    cap_lift_first: bool = True
    # and, where set, only as far as the first pass found omissions in passages (the mean run
    # length: none at [0], in full from [1]): without a translation nothing tells a sentence
    # dropped here and there (damaged text, what the cap is for) from a piece but that shape
    cap_lift_run: tuple[float, float] = (0.0, 0.0)
    # and only as far as the merged side's smaller edge sentence is a piece of it: in full below
    # this share of the side's length, not from [1] (two sentences of a size are two sentences,
    # one of which may be left out: the omission the cap is there for)
    cap_lift_piece: tuple[float, float] = (0.4, 0.5)
    # Above the typical score a bead's cost falls with its size, so merges win by size alone
    # (a left-out sentence joined to its neighbour's bead): a merged bead earns its size's share
    # of that gain only as far as each edge sentence adds to its cosine what a piece translated
    # as well as the rest would add (_WindowCosine.gain_shares), in full at `gain_share` of it;
    # a sentence that adds nothing leaves the bead what size ** reward_power gives.
    reward_power: float = 1.0
    gain_share: float = 0.0  # 0: every merged bead earns its whole size's gain
    ngram_orders: tuple[int, ...] = (1, 2, 3, 4)
    doubtful_below: float = 0.3
    low_similarity_below: float = 0.12  # hubness-corrected translation similarity
    flag_below: float = 0.2  # omitted/added: best lexical match nearby below this share of
    # the document's typical best match, and
    flag_run: int = 3  # in a run of this many unaligned sentences at least,
    flag_chars: int = 80  # or a sentence this long at least
    # nor in a stretch with `flag_block` unaligned sentences on each side at least, where the
    # translation matches right beads weakly (the window's typical best 1-1 similarity below
    # `flag_block_below`): there a passage "left out" beside a passage "added" is more often a
    # stretch the aligner could not match than one passage put in another's place (0: off)
    flag_block: int = 0
    flag_block_below: float = 0.0
    rescore_join: float = 0.2  # mean token log-probability a model's rescoring needs to gain
    # by joining an unaligned sentence to its neighbour's bead (see _rescored)
    rescore_move: float = 6.0  # total target log-probability a model's rescoring needs to gain
    # by moving an edge sentence between two aligned beads (_rescored_pairs; leave-one-chapter-
    # out on MAC-Dev every fold chose 6 of 0-12, docs/alignment-errors.md)
    rescore_close: float = 0.1  # and scores only the cuts whose translation cosines come within
    # this of the chosen cut's (the model's cost; MAC-Dev 0.924 at 61% of the pairs, vs 0.925)
    join_tolerance: float = 0.03  # and joined to a neighbouring bead it lowers that bead's
    # cosine by more than this share (see _joins_neighbour; below 0: not checked)
    window: int = 1000  # sentences a side searched at once; longer documents go by windows
    step: int = 400  # the windows' size then
    max_side: int = 4  # sentences on one side of a bead
    max_total: int = 6  # sentences in a bead, but for 1-n and n-1 beads (up to max_side)
    # Gale-Church's length statistic with its variance in the target's units (False: in the
    # source's, as up to align-9: too narrow by sqrt(ratio) where the character ratio is far from
    # 1, zh-en ~3; kept to compare with earlier outputs)
    length_in_target_units: bool = True
    # the character ratio the length fit expects: the whole texts', or the first pass's aligned
    # sentences' where the two differ by more than this (a log ratio; None: always the whole
    # texts', as up to align-9). A complete translation's two agree within 2% (MAC-Dev's chapters
    # 0.0-1.6% by their gold beads, the de-fr article 1.9%); one missing a tenth of its sentences
    # is off by 10% or more. (0: the aligned sentences' always: de-fr 0.913 -> 0.903.)
    ratio_gap: float | None = 0.05
    # the bead types searched where nothing but lengths speaks (no translation, lexicon, encoder)
    length_only_types: tuple[tuple[int, int], ...] = LENGTH_ONLY_TYPES
    weight_encoder: float = 0.0  # the sentence encoder's span cosine (0: not used)
    encoder_margin: float = 1.0  # how much of the neighbours' mean cosine is subtracted
    # the sum's length fit, log2(1 + shorter / longer), to this power (1: Bertalign's). With a
    # translation, 0.5: its n-gram cosine already falls where a span lacks a piece of its partner
    # (it carries the lengths' evidence too), and counted twice the length fit outweighed the
    # cosines at the boundary between two beads (MAC-Dev with MT: a split's last piece went to the
    # next bead; 0.879 -> 0.887)
    length_power: float = 1.0
    # the search maximises the sum of bead scores (pipeline.align.summed, where an encoder
    # covers the pair) instead of costs relative to the document's typical score
    summed: bool = False

    def bead_types(self) -> tuple[tuple[int, int], ...]:
        """(source sentences, target sentences) of each bead type searched, in the order of
        BEAD_TYPES (a bead's sub-beads' types before it; the search breaks ties by it)."""
        side = range(1, self.max_side + 1)
        return tuple(
            (a, b) for a in side for b in side if a + b <= self.max_total or min(a, b) == 1
        )


# Tuned on bench/align.py's dev suites (the real de-fr dev article, realistic NTREX seeds 1 and 2,
# perturbed NTREX seed 1; the run power on seed 1, checked on seed 2; leave-one-out in
# bench/RESULTS.md).
# align-7: beads up to 5 sentences a side (1-5, 5-1: the real article has them); the weakest
# part's cap loosened where every edge sentence adds its share (a real translation's part can
# share no n-gram with the MT and still be there: "Pfui !"); without translation an omission
# flag needs a run of 4 (the learned lexicon is weak evidence).
# align-8: the unsupported-bead penalty in full only where omissions are common and the
# translation matches right beads well, and the weakest-part cap lifted by the length fit where
# omissions are rare (a free translation's or a weak MT's real parts, a split sentence's
# pieces, share little with the translation: they were left out as false omissions); without
# translation the same lift, after the first pass (the learned lexicon is weak evidence too).
TRANSLATION_PARAMS = AlignParams(
    cap_lift_fit=0.15,
    flag_block=2,
    flag_block_below=0.3,
    unsupported_rate=(0.03, 0.10),
    unsupported_match=(0.15, 0.25),
    flag_chars=25,
    cross_factor=0.75,
    reward_power=0.0,
    gain_share=0.3,
    max_side=5,
    part_factor_gained=3.0,
)
NO_TRANSLATION_PARAMS = AlignParams(
    cap_lift_fit=0.15,
    cap_lift_rate=(0.04, 0.07),
    cap_lift_first=False,
    cap_lift_piece=(0.3, 0.4),  # a lexicon's silence about a sentence is weaker evidence
    cap_lift_run=(1.5, 2.0),
    reward_power=0.0,
    gain_share=0.4,
    null_run_power=2.0,
    null_extend=0.35,
    merge_penalty=0.3,
    weight_lexicon=4.337,
    weight_length=2.5,
    weight_anchor=2.408,
    weight_position=0.2,
    hubness=0.603,
    null_discount=0.6,
    cross_factor=0.5,
    part_factor=3.0,
    max_side=5,
    flag_run=4,
)


@dataclass
class Document:
    """One document to align: sentences, and optionally each side translated into the other's
    language, line by line (src_mt is src in tgt's language)."""

    src: list[str]
    tgt: list[str]
    src_mt: list[str] | None = None
    tgt_mt: list[str] | None = None
    src_paragraphs: list[int] | None = None  # paragraph index of each sentence, where known
    tgt_paragraphs: list[int] | None = None


@dataclass
class Alignment:
    beads: list[Bead]
    mode: str
    signals: list[str] = field(default_factory=list)
    null_rate: float | None = None  # the estimate the null costs were priced from
    # the search: "relative" (costs against the document's typical bead, align-8's) or "summed"
    # (the sum of bead scores, Bertalign's; where the encoder covers the pair and no translation
    # is, or the translation is free)
    search: str = "relative"


# align-9: where the sentence encoder covers both languages, the sum of bead scores
# (pipeline.align.summed): encoder span cosine less its neighbours' margin, plus the translation's
# n-gram cosine (or the lexicon's, a little, without one), times Bertalign's length penalty; beads
# up to 8 sentences on one side (1-8, 8-1) and 6 in all otherwise; unaligned sentences priced as a
# run's opening and each sentence's extension, from the first pass's estimate. Picked on MAC-Dev
# and the de-fr article on coarse grids (bench/RESULTS.md).
ENCODER_TRANSLATION_PARAMS = AlignParams(
    summed=True,
    weight_encoder=1.0,
    encoder_margin=1.0,
    weight_mt=1.0,
    weight_lexicon=0.3,
    max_side=8,
    max_total=6,
    null_open=0.1,
    null_extend=0.02,
    null_discount=1.0,
    merge_penalty=0.0,
    flag_run=3,
    flag_chars=25,
    length_power=0.5,
)
ENCODER_PARAMS = dataclasses.replace(ENCODER_TRANSLATION_PARAMS, flag_run=4, length_power=1.0)
# align-9, where the translation is literal: align-8's costs relative to the document's typical
# bead, the encoder one more signal of the weighted mean. The sum of bead scores has no price for
# pairing two sentences that match nothing (a bead never scores below 0): it joins a sentence
# left out to its neighbour's bead or pairs it with an added line, where align-8's relative costs
# and unsupported-bead penalty leave them out. Measured (bench/RESULTS.md): de-fr 0.876 -> 0.910,
# perturbed NTREX zh-en 0.925 -> 0.972; on a free translation (MAC-Dev) 0.879 -> 0.861.
ENCODER_LITERAL_PARAMS = dataclasses.replace(TRANSLATION_PARAMS, weight_encoder=2.5, max_side=5)
# align-10: the length fit at the character ratio of the first pass's aligned sentences where it
# is more than 5% off the whole texts' (a passage or a tenth of the sentences left out on one side:
# AlignParams.ratio_gap); complete translations keep the whole texts' ratio. Perturbed NTREX en-ar
# without MT 0.944 -> 0.968, zh-en with the package 0.958 -> 0.971; MAC-Dev and de-fr unchanged.
# And with a free translation (the sum of bead scores with an MT), the length fit's square root
# (AlignParams.length_power): MAC-Dev with MT 0.879 -> 0.887 (leave-one-chapter-out over the
# powers 1, 0.75, 0.5, 0.25: 0.880 -> 0.886, chapter mean); nothing else searched that way here.
# A translation is literal where the first pass's 1-1 beads share this much with it (their median
# translation similarity, over the corpus): MAC-Dev's free literary English 0.23 (its chapters
# 0.12-0.41), the de-fr article 0.30 (a weak MT) and 0.35 (a strong one), NTREX news 0.39-0.44.
LITERAL_MATCH = 0.27


def default_params(translated: bool, encoded: bool) -> AlignParams:
    """The parameters for a document with or without translations, with or without the encoder
    (with both: the first pass's, which decides between ENCODER_LITERAL_PARAMS and
    ENCODER_TRANSLATION_PARAMS, see pipeline.align.corpus)."""
    if encoded:
        return ENCODER_LITERAL_PARAMS if translated else ENCODER_PARAMS
    return TRANSLATION_PARAMS if translated else NO_TRANSLATION_PARAMS
