"""Tables of contents and indexes are left out of the index; pages that merely look alike stay."""

from __future__ import annotations

from ragtime.domain import Page
from ragtime.navigation import content_pages, is_navigation

CONTENTS = """Table of Contents
1 Copying . . . . . . . . . . . . . . . . . . . . . . . 1
2 Introduction to MPFR . . . . . . . . . . . . . . . . 2
2.1 How to Use This Manual . . . . . . . . . . . . . . 2
3 Installing MPFR . . . . . . . . . . . . . . . . . . . 3
3.1 How to Install . . . . . . . . . . . . . . . . . . . 3
3.2 Other `make' Targets . . . . . . . . . . . . . . . . 4
4 Reporting Bugs . . . . . . . . . . . . . . . . . . . 7
"""

INDEX = """Concept Index
Accuracy, 9
Arithmetic functions, 24, 25
Assignment functions, 19
Basic arithmetic functions, 24
Combined initialization and assignment functions, 21
Comparison functions, 28
Compatibility with MPF, 60
Conditions for copying MPFR, 1
"""

# Lines that end in numbers but point nowhere: code and a price list.
CODE = """#include <stdio.h>
#include <mpfr.h>
int main (void)
{
  unsigned int i;
  mpfr_t s, t, u;
  mpfr_init2 (t, 200);
  mpfr_set_d (t, 1.0, MPFR_RNDD);
  mpfr_init2 (s, 200);
  for (i = 1; i <= 100; i++)
  return 0;
}
"""

PRICES = """Our Prices
Landing page $4,820
Website with booking system $8,780
E-commerce website $11,290
Monthly retainer $260
SEO, branding and advertising support $140
Third site discount 30
"""

PROSE = """Installing MPFR

The MPFR library is already installed on some GNU/Linux distributions, but the
development files necessary to the compilation such as mpfr.h are not always present.
To check that MPFR is fully installed on your computer, you can check the presence of
the file mpfr.h in /usr/include, or try to compile a small program having
#include <mpfr.h> (since mpfr.h may be installed somewhere else).
"""


def test_a_table_of_contents_and_an_index_are_navigation() -> None:
    assert is_navigation(CONTENTS)
    assert is_navigation(INDEX)


def test_code_prices_and_prose_are_content() -> None:
    assert not is_navigation(CODE)
    assert not is_navigation(PRICES)
    assert not is_navigation(PROSE)
    assert not is_navigation("Index\n1\n2")  # too little to judge


def test_a_document_keeps_its_content_pages_in_order() -> None:
    pages = [Page(1, CONTENTS), Page(2, PROSE), Page(3, CODE), Page(4, INDEX), Page(5, PRICES)]
    assert [page.number for page in content_pages(pages)] == [2, 3, 5]


def test_a_document_that_is_all_lists_keeps_them() -> None:
    # A price list or a glossary made of index-like lines is what the document says.
    pages = [Page(1, INDEX), Page(2, INDEX), Page(3, PROSE)]
    assert [page.number for page in content_pages(pages)] == [1, 2, 3]
