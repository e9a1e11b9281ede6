// Package programs holds the test that keeps scripts/test-programs.txt
// complete: every external program that a test of this repository runs
// (directly, through tests/rig, or through the code under test) must be
// listed there with the Debian package that provides it, because
// scripts/deps.sh installs exactly those packages before the tests run.
// A program missing from the list passes on a machine where someone once
// installed it by hand and fails on a fresh one; this test fails first.
//
// It runs in no server process: it only reads this repository's source.
package programs
