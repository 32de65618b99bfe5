import unittest

from herald_tools import percentiles


class InterpolatedTests(unittest.TestCase):
    def test_median_of_an_even_count_is_the_mean_of_the_middle_two(self):
        self.assertEqual(percentiles.interpolated([4, 1, 3, 2], 0.5), 2.5)

    def test_ends_are_min_and_max(self):
        values = [5, 9, 1, 7]
        self.assertEqual(percentiles.interpolated(values, 0), 1)
        self.assertEqual(percentiles.interpolated(values, 1), 9)

    def test_p99_interpolates_between_the_last_two(self):
        # 101 values 0..100: rank 99 exactly; 11 values 0..10: between 9 and 10.
        self.assertAlmostEqual(percentiles.interpolated(list(range(101)), 0.99), 99.0)
        self.assertAlmostEqual(percentiles.interpolated(list(range(11)), 0.99), 9.9)

    def test_no_values_no_percentile(self):
        self.assertIsNone(percentiles.interpolated([], 0.5))

    def test_single_value(self):
        self.assertEqual(percentiles.interpolated([3.5], 0.99), 3.5)


class NearestRankTests(unittest.TestCase):
    def test_picks_index_int_q_n_of_the_sorted_values(self):
        values = [10, 30, 20, 40]
        self.assertEqual(percentiles.nearest_rank(values, 0.5), 30)  # index 2
        self.assertEqual(percentiles.nearest_rank(values, 0.99), 40)  # index 3
        self.assertEqual(percentiles.nearest_rank(values, 0), 10)

    def test_q_of_one_is_capped_at_the_last_value(self):
        self.assertEqual(percentiles.nearest_rank([1, 2, 3], 1.0), 3)

    def test_empty_gives_the_callers_default(self):
        self.assertIsNone(percentiles.nearest_rank([], 0.5))
        self.assertEqual(percentiles.nearest_rank([], 0.5, 0), 0)

    def test_the_two_definitions_differ_where_they_should(self):
        values = [1, 2, 3, 4]
        self.assertEqual(percentiles.nearest_rank(values, 0.5), 3)
        self.assertEqual(percentiles.interpolated(values, 0.5), 2.5)


class RoundingTests(unittest.TestCase):
    def test_round_or_none(self):
        self.assertIsNone(percentiles.round_or_none(None, 2))
        self.assertEqual(percentiles.round_or_none(1.2345, 2), 1.23)


if __name__ == "__main__":
    unittest.main()
