#include <doctest/doctest.h>

#include "syncmon/registry.h"
#include "test_support.h"

namespace syncmon {
namespace {

Config::Registry spec_registry() {
  auto config = parse_config(R"(
registry:
  partners:    [{id: acme, name: ACME Integrations}]
  tenants:     [{id: loja1, name: Loja 1}, {id: loja2}]
  providers:   [{id: vtex, name: VTEX, partner: acme}, {id: totvs, name: TOTVS, partner: acme}, {id: omie}]
  connections: [{id: loja1-products, tenant: loja1, source_provider: totvs, target_provider: vtex,
                 resources: [product, price], expected_interval: 15m},
                {id: loja2-orders, tenant: loja2, source_provider: omie, target_provider: vtex}]
)");
  REQUIRE(config);
  return config->registry;
}

Principal role(Role kind, std::string id = "") { return Principal{"t", kind, std::move(id), {}, {}}; }

TEST_CASE("the config file's entities are listed sorted, with names and registry labels") {
  Registry registry(spec_registry(), {});
  const auto view = registry.view();
  REQUIRE(view->providers().size() == 3);
  CHECK(view->providers()[0]->id == "omie");
  CHECK(view->providers()[0]->name == "omie");  // no name: the id
  CHECK(view->provider("vtex")->name == "VTEX");
  CHECK(view->provider("vtex")->origin == Origin::kConfig);
  CHECK(view->labels().provider("vtex")->partner == "acme");
  CHECK(view->labels().connection("loja1-products")->source_provider == "totvs");
  CHECK(view->provider("nope") == nullptr);
}

TEST_CASE("a tenant reads its connections and the providers they use; a partner its providers") {
  Registry registry(spec_registry(), {});
  const auto view = registry.view();
  const Principal loja1 = role(Role::kTenant, "loja1");
  CHECK(view->may_read_connection(loja1, "loja1-products"));
  CHECK_FALSE(view->may_read_connection(loja1, "loja2-orders"));
  CHECK(view->may_read_provider(loja1, "totvs"));
  CHECK(view->may_read_provider(loja1, "vtex"));
  CHECK_FALSE(view->may_read_provider(loja1, "omie"));  // only loja2's connection uses it

  const Principal acme = role(Role::kPartner, "acme");
  CHECK(view->may_read_provider(acme, "vtex"));
  CHECK_FALSE(view->may_read_provider(acme, "omie"));
  CHECK_FALSE(view->may_read_connection(acme, "loja1-products"));

  CHECK_FALSE(view->may_read_provider(role(Role::kPush), "vtex"));

  // Listings: the same answers, in one pass.
  const auto ids = [](const auto& records) {
    std::vector<std::string> out;
    for (const auto* record : records) {
      out.push_back(record->id);
    }
    return out;
  };
  CHECK(ids(view->readable_providers(loja1)) == std::vector<std::string>{"totvs", "vtex"});
  CHECK(ids(view->readable_providers(acme)) == std::vector<std::string>{"totvs", "vtex"});
  CHECK(ids(view->readable_providers(role(Role::kAdmin))).size() == 3);
  CHECK(view->readable_providers(role(Role::kPush)).empty());
  CHECK(ids(view->readable_connections(loja1)) == std::vector<std::string>{"loja1-products"});
  CHECK(view->readable_connections(acme).empty());
  CHECK(view->may_read_connection(role(Role::kAdmin), "loja2-orders"));
}

TEST_CASE("API entities join, yield to the config file, and go again") {
  Registry registry(spec_registry(), {{EntityKind::kProvider, "shopify", R"({"name":"Shopify","partner":"acme"})"}});
  CHECK(registry.view()->provider("shopify")->origin == Origin::kApi);
  CHECK(registry.view()->provider("shopify")->partner == "acme");

  auto connection = parse_connection_body(
      R"({"tenant":"loja1","source_provider":"shopify","target_provider":"vtex","resources":["stock"],"expected_interval":"5m"})",
      "loja1-stock", registry.view().get());
  REQUIRE(connection);
  registry.put(*connection);
  const auto* stored = registry.view()->connection("loja1-stock");
  REQUIRE(stored != nullptr);
  CHECK(stored->expected_interval == std::chrono::minutes(5));
  CHECK(registry.view()->may_read_provider(role(Role::kTenant, "loja1"), "shopify"));

  // The config file wins an id it also defines, after a reload.
  auto config = spec_registry();
  config.providers.push_back({"shopify", "Shopify (file)", ""});
  registry.reload(config);
  CHECK(registry.view()->provider("shopify")->origin == Origin::kConfig);
  CHECK(api_change_problem(*registry.view(), EntityKind::kProvider, "shopify")->status == 409);

  registry.remove(EntityKind::kConnection, "loja1-stock");
  CHECK(registry.view()->connection("loja1-stock") == nullptr);
}

TEST_CASE("PUT bodies are checked field by field with JSON paths") {
  Registry registry(spec_registry(), {});
  const auto view = registry.view();
  struct Case {
    std::string_view body;
    std::string_view path;
  };
  for (const auto& [body, path] : {Case{"[]", "$"}, Case{"{", "$"}, Case{R"({"partner":"nobody"})", "$.partner"},
                                   Case{R"({"partner":"a b"})", "$.partner"}, Case{R"({"name":1})", "$.name"},
                                   Case{R"({"surprise":1})", "$.surprise"}, Case{R"({"id":"other"})", "$.id"},
                                   Case{R"({"name":"a","name":"b"})", "$.name"}}) {
    auto parsed = parse_provider_body(body, "p1", view.get());
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().status == 400);
    CHECK(parsed.error().path == path);
  }
  for (const auto& [body, path] :
       {Case{R"({"tenant":"loja9"})", "$.tenant"}, Case{R"({"source_provider":"ghost"})", "$.source_provider"},
        Case{R"({"resources":"product"})", "$.resources"}, Case{R"({"resources":["a","a"]})", "$.resources[1]"},
        Case{R"({"resources":["a{b"]})", "$.resources[0]"}, Case{R"({"expected_interval":"soon"})", "$.expected_interval"},
        Case{R"({"expected_interval":-5})", "$.expected_interval"}}) {
    auto parsed = parse_connection_body(body, "c1", view.get());
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().path == path);
  }
  auto provider = parse_provider_body(R"({"id":"p1","partner":"acme"})", "p1", view.get());
  REQUIRE(provider);
  CHECK(provider->name == "p1");
  CHECK(provider_body(*provider) == R"({"name":"p1","partner":"acme"})");
}

TEST_CASE("pushes: unknown ids are auto-registered or refused, scope is enforced, paths name the field") {
  auto config = spec_registry();
  Registry registry(config, {});
  Aggregator aggregator(testing::default_aggregator_config());
  auto batch = testing::parse(aggregator, R"({"providers":[{"provider":"vtex","request_total":1},
                                                          {"provider":"newco","connection":"newconn","request_total":1}],
                                              "connections":[{"connection":"other","resource":"product"}]})");
  REQUIRE(batch);
  const Principal admin = role(Role::kAdmin);
  auto entities = check_push_entities(*batch, *registry.view(), admin, "");
  REQUIRE(entities);
  CHECK(entities->new_providers == std::vector<std::string>{"newco"});
  CHECK(entities->new_connections == std::vector<std::string>{"newconn", "other"});
  const auto before = registry.view();
  registry.register_seen(entities->new_providers, entities->new_connections);
  CHECK(registry.view()->provider("newco")->origin == Origin::kPush);
  CHECK(registry.view()->connection("other")->origin == Origin::kPush);
  CHECK(before->provider("newco") != nullptr);  // views share the ids known from pushes
  CHECK(registry.view()->providers().size() == 4);
  // A push-only id that the API then defines is the API's.
  registry.put(ProviderRecord{"newco", "New Co", "acme", Origin::kApi});
  CHECK(registry.view()->provider("newco")->origin == Origin::kApi);
  CHECK(registry.view()->providers().size() == 4);

  config.auto_register = false;
  Registry strict(config, {});
  auto refused = check_push_entities(*batch, *strict.view(), admin, "");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().status == 400);
  CHECK(refused.error().path == "$.providers[1].provider");

  Principal scoped{"jobs", Role::kPush, "", {"loja1-products"}, {"vtex"}};
  auto outside = check_push_entities(*batch, *registry.view(), scoped, "");
  REQUIRE_FALSE(outside);
  CHECK(outside.error().status == 403);

  auto webhook = testing::parse(aggregator, R"({"connections":[{"connection":"ghost","resource":"product"}]})");
  REQUIRE(webhook);
  auto webhook_refused = check_push_entities(*webhook, *strict.view(), admin, "connection");
  REQUIRE_FALSE(webhook_refused);
  CHECK(webhook_refused.error().path == "connection");
}

TEST_CASE("ids in pushes are entity ids") {
  Aggregator aggregator(testing::default_aggregator_config());
  for (const std::string_view bad : {R"({"providers":[{"provider":"a\"b"}]})", R"({"providers":[{"provider":"../x"}]})",
                                     R"({"providers":[{"provider":"vtex","connection":"a{b}"}]})",
                                     R"({"connections":[{"connection":"x|y","resource":"product"}]})"}) {
    auto parsed = testing::parse(aggregator, bad);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().status == 400);
  }
  CHECK(testing::parse(aggregator, R"({"providers":[{"provider":"vtex.br:v2_x-y"}]})"));
}

}  // namespace
}  // namespace syncmon
