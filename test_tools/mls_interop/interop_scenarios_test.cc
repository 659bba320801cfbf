// The MLS working group's interop scenarios (welcome join, application
// messages, every commit type, external join, external proposals, branch,
// reinit), played against two `ztmeet mls-interop` processes for cipher suites
// 1, 2 and 3 with handshakes as PublicMessage and as PrivateMessage. Every
// epoch change checks that all members involved agree on the epoch
// authenticator.
#include <gtest/gtest.h>

#include <string>
#include <tuple>

#include "interop_driver.h"

namespace ztm_interop {
namespace {

using Args = Script::CommitArgs;

// required_capabilities with three empty lists, and an empty external_senders
// list: default extension types every member supports (§7.2).
std::vector<mls_client::Extension> two_extensions() {
  return {extension(3, std::string(3, '\0')), extension(5, std::string(1, '\0'))};
}

class Interop : public ::testing::TestWithParam<std::tuple<std::uint32_t, bool>> {
 protected:
  void play(const std::string& name, const std::function<void(Script&)>& body) {
    run_script(name, std::get<0>(GetParam()), std::get<1>(GetParam()), body);
  }
};

TEST_P(Interop, WelcomeJoin) {
  play("no_path_secret", [](Script& s) {
    s.create_group("alice");
    auto kp = s.key_package("bob");
    s.full_commit("alice", Args{{s.add_proposal("alice", kp)}, {}, {}, {"bob"}, false, false});
  });
  play("with_path_secret", [](Script& s) {
    s.create_group("alice");
    auto kp = s.key_package("bob");
    s.full_commit("alice", Args{{s.add_proposal("alice", kp)}, {}, {}, {"bob"}, true, false});
  });
  play("with_psk", [](Script& s) {
    s.create_group("alice");
    auto kp = s.key_package("bob");
    auto add = s.add_proposal("alice", kp);
    auto psk = s.install_psk({"alice", "bob"});
    auto psk_proposal = s.external_psk_proposal("alice", psk);
    s.full_commit("alice", Args{{add, psk_proposal}, {}, {}, {"bob"}, false, false});
  });
  play("with_external_tree", [](Script& s) {
    s.create_group("alice");
    auto kp = s.key_package("bob");
    s.full_commit("alice", Args{{s.add_proposal("alice", kp)}, {}, {}, {"bob"}, false, true});
  });
}

TEST_P(Interop, ApplicationMessages) {
  play("in_order", [](Script& s) {
    s.create_group("alice", {"bob"});
    auto c1 = s.protect("alice", "btw1", "hello world 1");
    auto c2 = s.protect("alice", "btw2", "hello world 2");
    auto c3 = s.protect("alice", "btw3", "hello world 3");
    s.unprotect("bob", c1, "btw1", "hello world 1");
    s.unprotect("bob", c2, "btw2", "hello world 2");
    s.unprotect("bob", c3, "btw3", "hello world 3");
  });
  play("out_of_order_within_epoch", [](Script& s) {
    s.create_group("alice", {"bob"});
    auto c1 = s.protect("alice", "btw1", "hello world 1");
    auto c2 = s.protect("alice", "btw2", "hello world 2");
    auto c3 = s.protect("alice", "btw3", "hello world 3");
    s.unprotect("bob", c3, "btw3", "hello world 3");
    s.unprotect("bob", c2, "btw2", "hello world 2");
    s.unprotect("bob", c1, "btw1", "hello world 1");
  });
  play("out_of_order_across_epochs", [](Script& s) {
    s.create_group("alice", {"bob"});
    auto c1 = s.protect("alice", "btw1", "hello world 1");
    auto c2 = s.protect("alice", "btw2", "hello world 2");
    s.full_commit("alice", Args{{}, {}, {"bob"}, {}, false, false});
    auto c3 = s.protect("alice", "btw3", "hello world 3");
    auto c4 = s.protect("alice", "btw4", "hello world 4");
    s.unprotect("bob", c4, "btw4", "hello world 4");
    s.unprotect("bob", c3, "btw3", "hello world 3");
    s.unprotect("bob", c2, "btw2", "hello world 2");
    s.unprotect("bob", c1, "btw1", "hello world 1");
  });
}

TEST_P(Interop, CommitTypes) {
  play("empty", [](Script& s) {
    s.create_group("alice");
    s.external_join("alice", "bob");
    s.full_commit("alice", Args{{}, {}, {"bob"}, {}, false, false});
  });
  play("add", [](Script& s) {
    s.create_group("alice");
    s.external_join("alice", "bob");
    auto k1 = s.key_package("charlie1"), k2 = s.key_package("charlie2"),
         k3 = s.key_package("charlie3");
    auto p1 = s.add_proposal("alice", k1), p2 = s.add_proposal("bob", k2);
    s.full_commit("alice", Args{{p1, p2},
                                {Desc{"add", k3}},
                                {"bob"},
                                {"charlie1", "charlie2", "charlie3"},
                                true,
                                false});
    auto k4 = s.key_package("charlie4"), k5 = s.key_package("charlie5"),
         k6 = s.key_package("charlie6");
    auto p4 = s.add_proposal("alice", k4), p5 = s.add_proposal("bob", k5);
    s.full_commit("alice", Args{{p4, p5},
                                {Desc{"add", k6}},
                                {"bob", "charlie1", "charlie2"},
                                {"charlie4", "charlie5", "charlie6"},
                                false,
                                false});
  });
  play("remove", [](Script& s) {
    s.create_group("alice");
    s.external_join("alice", "bob");
    auto k1 = s.key_package("charlie1"), k2 = s.key_package("charlie2"),
         k3 = s.key_package("charlie3");
    s.full_commit("alice", Args{{s.add_proposal("alice", k1), s.add_proposal("alice", k2),
                                 s.add_proposal("alice", k3)},
                                {},
                                {"bob"},
                                {"charlie1", "charlie2", "charlie3"},
                                false,
                                false});
    auto r1 = s.remove_proposal("alice", "charlie1");
    auto r2 = s.remove_proposal("bob", "charlie2");
    Desc r3{"remove"};
    r3.removed = "charlie3";
    s.full_commit("alice", Args{{r1, r2}, {r3}, {"bob"}, {}, false, false});
    // A removed member learns it is out: no state to continue with.
    s.handle_removal("charlie3");
  });
  play("update", [](Script& s) {
    s.create_group("alice");
    s.external_join("alice", "bob");
    auto update = s.update_proposal("bob");
    s.full_commit("alice", Args{{update}, {}, {"bob"}, {}, false, false});
    // Bob's new leaf key is usable: he commits next.
    s.full_commit("bob", Args{{}, {}, {"alice"}, {}, true, false});
  });
  play("group_context_extensions", [](Script& s) {
    s.create_group("alice");
    s.external_join("alice", "bob");
    auto p1 = s.gce_proposal("alice", two_extensions());
    s.full_commit("alice", Args{{p1}, {}, {"bob"}, {}, false, false});
    auto p2 = s.gce_proposal("bob", {});
    s.full_commit("alice", Args{{p2}, {}, {"bob"}, {}, false, false});
    Desc by_value{"groupContextExtensions"};
    by_value.extensions = {extension(3, std::string(3, '\0'))};
    s.full_commit("alice", Args{{}, {by_value}, {"bob"}, {}, false, false});
  });
  play("external_psk", [](Script& s) {
    s.create_group("alice");
    s.external_join("alice", "bob");
    auto a = s.install_psk({"alice", "bob"}), b = s.install_psk({"alice", "bob"}),
         c = s.install_psk({"alice", "bob"});
    for (bool force_path : {true, false}) {
      auto pa = s.external_psk_proposal("alice", a), pb = s.external_psk_proposal("bob", b);
      Desc pc{"externalPSK"};
      pc.psk_id = c;
      s.full_commit("alice", Args{{pa, pb}, {pc}, {"bob"}, {}, force_path, false});
    }
  });
  play("resumption_psk", [](Script& s) {
    s.create_group("alice");
    s.external_join("alice", "bob");
    s.full_commit("alice", Args{{}, {}, {"bob"}, {}, false, false});
    s.full_commit("alice", Args{{}, {}, {"bob"}, {}, false, false});
    for (std::uint64_t e : {1, 2}) {
      auto pa = s.resumption_psk_proposal("alice", e), pb = s.resumption_psk_proposal("bob", e + 1);
      Desc pc{"resumptionPSK"};
      pc.epoch = e + 2;
      s.full_commit("alice", Args{{pa, pb}, {pc}, {"bob"}, {}, true, false});
    }
  });
  for (const std::string proposer : {"alice", "bob"}) {
    play("all_together_" + proposer + "_proposes", [proposer](Script& s) {
      s.create_group("alice");
      s.external_join("alice", "bob");
      auto k1 = s.key_package("charlie1"), k2 = s.key_package("charlie2");
      s.full_commit("alice", Args{{s.add_proposal("alice", k1), s.add_proposal("alice", k2)},
                                  {},
                                  {"bob"},
                                  {"charlie1", "charlie2"},
                                  false,
                                  false});
      auto psk1 = s.install_psk({"alice", "bob"}), psk2 = s.install_psk({"alice", "bob"});
      std::vector<std::string> refs{
          s.add_proposal(proposer, s.key_package("charlie3")),
          s.remove_proposal(proposer, "charlie1"), s.gce_proposal(proposer, two_extensions()),
          s.external_psk_proposal(proposer, psk1), s.resumption_psk_proposal(proposer, 1)};
      if (proposer == "bob") refs.push_back(s.update_proposal("bob"));
      Desc add{"add", s.key_package("charlie4")};
      Desc remove{"remove"};
      remove.removed = "charlie2";
      Desc psk{"externalPSK"};
      psk.psk_id = psk2;
      Desc resumption{"resumptionPSK"};
      resumption.epoch = 2;
      // No joiners: a newcomer cannot hold the resumption PSKs of a group it was
      // never in, so the Welcome of this Commit is for nobody who can use it.
      s.full_commit("alice", Args{refs, {add, remove, psk, resumption}, {"bob"}, {}, false, false});
    });
  }
}

TEST_P(Interop, ExternalJoin) {
  play("normal", [](Script& s) {
    s.create_group("alice");
    s.external_join("alice", "bob");
  });
  play("with_psk", [](Script& s) {
    s.create_group("alice");
    auto psk = s.install_psk({"alice"});
    s.external_join("alice", "bob", {{}, false, false, {psk}});
  });
  play("removing_prior", [](Script& s) {
    s.create_group("alice");
    s.external_join("alice", "bob");
    s.external_join("alice", "bob", {{}, false, true, {}});
  });
  play("with_external_tree", [](Script& s) {
    s.create_group("alice");
    s.external_join("alice", "bob", {{}, true, false, {}});
  });
  play("with_more_members", [](Script& s) {
    s.create_group("alice", {"bob", "charlie", "diana"});
    s.external_join("diana", "ellen", {{"alice", "bob", "charlie"}, false, false, {}});
    // The newcomer talks to everyone.
    auto ct = s.protect("ellen", "", "hi from ellen");
    for (const char* m : {"alice", "bob", "charlie", "diana"}) {
      s.unprotect(m, ct, "", "hi from ellen");
    }
  });
}

TEST_P(Interop, ExternalProposals) {
  play("joiner_signed_add", [](Script& s) {
    s.create_group("alice");
    auto proposal = s.new_member_add_proposal("alice", "bob");
    s.full_commit("alice", Args{{proposal}, {}, {}, {"bob"}, false, false});
  });
  // Three members with "ds" registered as an external sender.
  auto with_signer = [](Script& s, const std::string& signer) {
    s.create_group("alice");
    s.external_join("alice", "bob");
    s.external_join("alice", "charlie", {{"bob"}, false, false, {}});
    s.full_commit(
        "alice",
        Args{{s.add_external_signer("alice", signer)}, {}, {"bob", "charlie"}, {}, false, false});
  };
  play("external_add", [&](Script& s) {
    with_signer(s, "ds");
    Desc add{"add", s.key_package("diana")};
    auto p = s.external_signer_proposal("ds", "alice", add);
    s.full_commit("alice", Args{{p}, {}, {"bob", "charlie"}, {"diana"}, false, false});
  });
  play("external_remove", [&](Script& s) {
    with_signer(s, "ds");
    Desc remove{"remove"};
    remove.removed = "bob";
    auto p = s.external_signer_proposal("ds", "alice", remove);
    s.full_commit("alice", Args{{p}, {}, {"charlie"}, {}, false, false});
  });
  play("external_psk", [&](Script& s) {
    with_signer(s, "ds");
    Desc psk{"externalPSK"};
    psk.psk_id = s.install_psk({"alice", "bob", "charlie"});
    auto p = s.external_signer_proposal("ds", "alice", psk);
    s.full_commit("alice", Args{{p}, {}, {"bob", "charlie"}, {}, false, false});
  });
  play("resumption_psk", [&](Script& s) {
    with_signer(s, "ds");
    Desc psk{"resumptionPSK"};
    psk.epoch = 2;
    auto p = s.external_signer_proposal("ds", "alice", psk);
    s.full_commit("alice", Args{{p}, {}, {"bob", "charlie"}, {}, false, false});
  });
  play("group_context_extensions", [&](Script& s) {
    with_signer(s, "ds");
    Desc gce{"groupContextExtensions"};
    gce.extensions = {extension(3, std::string(3, '\0'))};
    auto p = s.external_signer_proposal("ds", "alice", gce);
    s.full_commit("alice", Args{{p}, {}, {"bob", "charlie"}, {}, false, false});
  });
  play("multiple_external", [&](Script& s) {
    with_signer(s, "ds1");
    auto psk1 = s.install_psk({"alice", "bob", "charlie"});
    auto psk2 = s.install_psk({"alice", "bob", "charlie"});
    s.full_commit(
        "alice",
        Args{{s.add_external_signer("alice", "ds2")}, {}, {"bob", "charlie"}, {}, false, false});
    Desc d1{"externalPSK"}, d2{"externalPSK"};
    d1.psk_id = psk1;
    d2.psk_id = psk2;
    auto p1 = s.external_signer_proposal("ds1", "alice", d1);
    auto p2 = s.external_signer_proposal("ds2", "alice", d2);
    s.full_commit("alice", Args{{p1, p2}, {}, {"bob", "charlie"}, {}, false, false});
  });
  play("external_reinit", [&](Script& s) {
    with_signer(s, "ds");
    Desc reinit{"reinit"};
    reinit.change_group_id = true;
    reinit.change_suite = true;
    reinit.extensions = {extension(3, std::string(3, '\0'))};
    auto p = s.external_signer_proposal("ds", "alice", reinit);
    Script::ReInitArgs args;
    args.external_proposal = p;
    args.committer = "alice";
    args.welcomer = "bob";
    args.members = {"charlie"};
    args.force_path = true;
    args.change_group_id = true;
    s.reinit(args);
  });
}

TEST_P(Interop, Branch) {
  const std::vector<std::string> others{"bob", "charlie", "diana", "eliza"};
  play("base", [&](Script& s) {
    s.create_group("alice", others);
    s.branch("alice", {others, {}, false, false});
  });
  play("with_extensions", [&](Script& s) {
    s.create_group("alice", others);
    s.branch("alice", {others, two_extensions(), false, false});
  });
  play("external_tree", [&](Script& s) {
    s.create_group("alice", others);
    s.branch("alice", {others, {}, false, true});
  });
  play("force_path", [&](Script& s) {
    s.create_group("alice", others);
    s.branch("alice", {others, {}, true, false});
  });
  play("subset", [&](Script& s) {
    s.create_group("alice", others);
    s.branch("bob", {{"alice", "diana"}, {}, true, false});
  });
}

TEST_P(Interop, ReInit) {
  const std::vector<std::string> others{"bob", "charlie", "diana", "eliza"};
  auto args = [](bool change_suite, bool change_group_id) {
    Script::ReInitArgs a;
    a.proposer = "alice";
    a.committer = "bob";
    a.welcomer = "charlie";
    a.members = {"diana", "eliza"};
    a.change_suite = change_suite;
    a.change_group_id = change_group_id;
    return a;
  };
  play("change_ciphersuite", [&](Script& s) {
    s.create_group("alice", others);
    s.reinit(args(true, false));
  });
  play("change_group_id", [&](Script& s) {
    s.create_group("alice", others);
    s.reinit(args(false, true));
  });
  play("change_extensions", [&](Script& s) {
    s.create_group("alice", others);
    auto a = args(false, false);
    a.extensions = two_extensions();
    s.reinit(a);
  });
  play("all_same_actor", [&](Script& s) {
    s.create_group("alice", others);
    Script::ReInitArgs a;
    a.proposer = a.committer = a.welcomer = "alice";
    a.members = others;
    a.change_group_id = true;
    s.reinit(a);
  });
  play("external_tree", [&](Script& s) {
    s.create_group("alice", others);
    auto a = args(true, true);
    a.external_tree = true;
    s.reinit(a);
  });
  play("force_path", [&](Script& s) {
    s.create_group("alice", others);
    auto a = args(true, true);
    a.force_path = true;
    s.reinit(a);
  });
}

std::string param_name(const ::testing::TestParamInfo<Interop::ParamType>& info) {
  return "suite" + std::to_string(std::get<0>(info.param)) +
         (std::get<1>(info.param) ? "_private" : "_public");
}

INSTANTIATE_TEST_SUITE_P(SuitesAndHandshakes, Interop,
                         ::testing::Combine(::testing::Values(1u, 2u, 3u), ::testing::Bool()),
                         param_name);

}  // namespace
}  // namespace ztm_interop
