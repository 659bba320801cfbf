#include "internal/a_parsing_context.h"

#include <openssl/core_dispatch.h>
#include <openssl/err.h>
#include <openssl/provider.h>

#include <array>
#include <atomic>
#include <cstring>
#include <mutex>
#include <string_view>
#include <vector>

namespace ztm::identity::internal {

namespace {

constexpr const char* kProviderName = "ztm-x509";

// The key types whose SubjectPublicKeyInfo decoders stay: what the X.509 profile
// accepts for leaves (the MLS signature schemes) and what CAs sign with.
constexpr std::array<std::string_view, 5> kKeyTypes = {"EC", "ED25519", "ED448", "RSA", "RSA-PSS"};

// Slot is one parsing context: the default provider in a hidden context, and the
// decoders "ztm-x509" offers in its place (a null-terminated OSSL_ALGORITHM array).
struct Slot {
  OSSL_LIB_CTX* hidden = nullptr;
  OSSL_PROVIDER* deflt = nullptr;
  std::vector<OSSL_ALGORITHM> decoders;
};

// Slots are created rarely (once per context) and looked up only when OpenSSL asks
// the provider for its algorithms, which it caches: a mutex is enough.
std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}
// Never destroyed, like the contexts: OpenSSL may still call into the provider while
// other static objects are torn down at exit.
std::vector<Slot*>& registry() {
  static auto* slots = new std::vector<Slot*>;
  return *slots;
}

// The provider's context is the default provider's own, so that the algorithms it
// serves get what they expect; this finds the slot it belongs to.
Slot* slot_of(void* provctx) {
  std::lock_guard lock(registry_mutex());
  for (Slot* s : registry()) {
    if (OSSL_PROVIDER_get0_provider_ctx(s->deflt) == provctx) return s;
  }
  return nullptr;
}

bool keeps(const OSSL_ALGORITHM& a) {
  if (a.algorithm_names == nullptr || a.property_definition == nullptr) return false;
  const std::string_view props(a.property_definition);
  if (props.find("input=der") == std::string_view::npos ||
      props.find("structure=SubjectPublicKeyInfo") == std::string_view::npos) {
    return false;
  }
  const std::string_view names(a.algorithm_names);
  const std::string_view first = names.substr(0, names.find(':'));
  for (auto type : kKeyTypes) {
    if (first == type) return true;
  }
  return false;
}

const OSSL_ALGORITHM* query(void* provctx, int operation, int* no_cache) {
  Slot* slot = slot_of(provctx);
  if (slot == nullptr) return nullptr;
  if (operation == OSSL_OP_DECODER) {
    *no_cache = 0;
    return slot->decoders.data();
  }
  return OSSL_PROVIDER_query_operation(slot->deflt, operation, no_cache);
}

void unquery(void* provctx, int operation, const OSSL_ALGORITHM* algorithms) {
  if (operation == OSSL_OP_DECODER) return;
  if (Slot* slot = slot_of(provctx)) {
    OSSL_PROVIDER_unquery_operation(slot->deflt, operation, algorithms);
  }
}

int capabilities(void* provctx, const char* capability, OSSL_CALLBACK* cb, void* arg) {
  Slot* slot = slot_of(provctx);
  return slot != nullptr ? OSSL_PROVIDER_get_capabilities(slot->deflt, capability, cb, arg) : 0;
}

// The C casts below are what OpenSSL's dispatch tables are made of.
const OSSL_DISPATCH kDispatch[] = {
    {OSSL_FUNC_PROVIDER_QUERY_OPERATION, reinterpret_cast<void (*)()>(&query)},
    {OSSL_FUNC_PROVIDER_UNQUERY_OPERATION, reinterpret_cast<void (*)()>(&unquery)},
    {OSSL_FUNC_PROVIDER_GET_CAPABILITIES, reinterpret_cast<void (*)()>(&capabilities)},
    {0, nullptr},
};

// The slot being loaded by this thread: OSSL_PROVIDER_load calls init synchronously.
thread_local Slot* loading = nullptr;

int init(const OSSL_CORE_HANDLE*, const OSSL_DISPATCH*, const OSSL_DISPATCH** out, void** provctx) {
  if (loading == nullptr) return 0;
  *provctx = OSSL_PROVIDER_get0_provider_ctx(loading->deflt);
  *out = kDispatch;
  return 1;
}

// make_context sets up one parsing context; nullptr if any step fails (the caller
// then falls back to a plain context).
OSSL_LIB_CTX* make_context() {
  auto* slot = new Slot;  // lives as long as the process, as the context does
  slot->hidden = OSSL_LIB_CTX_new();
  if (slot->hidden != nullptr) slot->deflt = OSSL_PROVIDER_load(slot->hidden, "default");
  if (slot->deflt == nullptr) {
    OSSL_LIB_CTX_free(slot->hidden);
    delete slot;
    return nullptr;
  }
  int no_cache = 0;
  const OSSL_ALGORITHM* all =
      OSSL_PROVIDER_query_operation(slot->deflt, OSSL_OP_DECODER, &no_cache);
  for (const OSSL_ALGORITHM* a = all; a != nullptr && a->algorithm_names != nullptr; ++a) {
    if (keeps(*a)) slot->decoders.push_back(*a);
  }
  if (all != nullptr) OSSL_PROVIDER_unquery_operation(slot->deflt, OSSL_OP_DECODER, all);
  slot->decoders.push_back(OSSL_ALGORITHM{nullptr, nullptr, nullptr, nullptr});
  {
    std::lock_guard lock(registry_mutex());
    registry().push_back(slot);
  }
  OSSL_LIB_CTX* ctx = OSSL_LIB_CTX_new();
  loading = slot;
  const bool loaded = ctx != nullptr && OSSL_PROVIDER_add_builtin(ctx, kProviderName, &init) == 1 &&
                      OSSL_PROVIDER_load(ctx, kProviderName) != nullptr;
  loading = nullptr;
  if (!loaded) {
    OSSL_LIB_CTX_free(ctx);  // the slot stays registered, unused: harmless
    return nullptr;
  }
  return ctx;
}

}  // namespace

OSSL_LIB_CTX* parsing_libctx() {
  constexpr std::size_t kContexts = 8;
  static std::array<std::atomic<OSSL_LIB_CTX*>, kContexts> contexts{};
  static std::array<std::once_flag, kContexts> made;
  static std::atomic<std::size_t> next_slot{0};
  thread_local const std::size_t slot = next_slot.fetch_add(1) % kContexts;
  std::call_once(made[slot], [] {
    OSSL_LIB_CTX* ctx = make_context();
    if (ctx == nullptr) ctx = OSSL_LIB_CTX_new();  // slower, still per thread
    ERR_clear_error();
    contexts[slot].store(ctx, std::memory_order_release);
  });
  return contexts[slot].load(std::memory_order_acquire);
}

}  // namespace ztm::identity::internal
