// composecheck loads a compose file the way Docker Compose v2 does (compose-spec/compose-go,
// the library Compose is built on): interpolation, the compose specification's schema, and
// the checks on references between services, networks and volumes. It prints the services
// it would run, or the first error and exits 1. Offline once its module is downloaded.
//
//	composecheck [--profile NAME]... FILE
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
)

type profiles []string

func (p *profiles) String() string     { return strings.Join(*p, ",") }
func (p *profiles) Set(v string) error { *p = append(*p, v); return nil }

func main() {
	var wanted profiles
	flag.Var(&wanted, "profile", "a profile to enable (repeatable)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: composecheck [--profile NAME]... FILE")
		os.Exit(2)
	}
	options, err := cli.NewProjectOptions(
		[]string{flag.Arg(0)},
		cli.WithOsEnv,
		cli.WithName("zongguan"),
		cli.WithProfiles(wanted),
	)
	if err != nil {
		fail(err)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		fail(err)
	}
	names := project.ServiceNames()
	sort.Strings(names)
	fmt.Println(strings.Join(names, " "))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
