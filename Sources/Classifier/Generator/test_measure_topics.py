"""Unit tests of measure_topics.py: the top-1 read from `classify eval`'s output, and the blind set
left out unless asked for.

    python3 -m unittest discover -s Sources/Classifier/Generator -p 'test_*.py'
"""
import os
import unittest

import heldout
import measure_topics

EVAL_OUTPUT = """model: lr-59d7d92b46f5; classifier classifier-1.6.0/gaz-6d9e971d25ca/taxonomy-default-23/lr-59d7d92b46f5/urgency-default-2

TOPICS (459 examples)
label          precision  recall     f1  support
Sports             1.000   0.826  0.905      459
micro avg          0.988   0.837  0.906
exact match        0.808
top-1              0.826  (first prediction among the gold labels, 459 examples)
no prediction      0.000  (0 examples with nothing predicted)
"""


class MeasureTopicsTests(unittest.TestCase):
    def test_top_one_is_read_from_the_topic_table(self):
        self.assertEqual(measure_topics.top_one(EVAL_OUTPUT), "0.826")

    def test_output_without_a_topic_table_gives_none(self):
        self.assertIsNone(measure_topics.top_one("REGIONS (394 examples)\nmicro avg 0.943 0.719 0.816\n"))

    def test_the_blind_set_is_measured_only_when_asked(self):
        bbc_2004 = os.path.join(heldout.OUT, "bbc-news-2004.jsonl")
        self.assertEqual([path for _, path in measure_topics.BLIND_SETS], [bbc_2004])
        self.assertNotIn(bbc_2004, [path for _, path in measure_topics.sets(blind=False)])
        self.assertEqual([p for _, p in measure_topics.sets(blind=True)][-1], bbc_2004)

    def test_the_sets_are_the_readmes_eight_in_order(self):
        self.assertEqual([c for c, _ in measure_topics.SETS],
                         ["sport", "guardian", "sections", "headlines", "holdout", "bbc-2022", "aggregator", "wikinews"])


if __name__ == "__main__":
    unittest.main()
