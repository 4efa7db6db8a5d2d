#include "syncmon/series_index.h"

#include <bit>

namespace syncmon {

Series::Series(Family family, std::string encoded_labels, std::uint64_t hash, std::size_t bucket_count)
    : encoded_labels_(std::move(encoded_labels)),
      hash_(hash),
      buckets_(bucket_count > 0 ? std::make_unique<std::atomic<std::uint64_t>[]>(bucket_count) : nullptr),
      bucket_count_(static_cast<std::uint32_t>(bucket_count)),  // a histogram's bounds, a few dozen
      family_(family) {}

static_assert(sizeof(Series) <= 72, "Series grew past jemalloc's 80-byte size class; see the member order");

struct SeriesIndex::Table {
  explicit Table(std::size_t capacity)
      : mask(capacity - 1), slots(std::make_unique<std::atomic<Series*>[]>(capacity)) {}
  std::size_t capacity() const { return mask + 1; }

  const std::size_t mask;
  const std::unique_ptr<std::atomic<Series*>[]> slots;
};

struct SeriesIndex::Shard {
  static constexpr std::size_t kInitialCapacity = 16;

  // Readers load it without the mutex; writers publish with release after filling a table.
  std::atomic<const Table*> current{nullptr};
  std::mutex mutex;  // guards everything below and every store into *current
  std::vector<std::unique_ptr<Table>> tables;  // current one last; earlier ones retired, kept
  std::vector<std::unique_ptr<Series>> series;
};

namespace {

std::uint64_t mix(std::uint64_t x) {
  // splitmix64's finaliser: spreads entropy to the top bits, which pick the shard.
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

}  // namespace

SeriesIndex::SeriesIndex() : shards_(std::make_unique<Shard[]>(kShardCount)) {
  for (std::size_t i = 0; i < kShardCount; ++i) {
    auto& shard = shards_[i];
    shard.tables.push_back(std::make_unique<Table>(Shard::kInitialCapacity));
    shard.current.store(shard.tables.back().get(), std::memory_order_release);
  }
}

SeriesIndex::~SeriesIndex() = default;

std::uint64_t SeriesIndex::hash_of(Family family, std::string_view encoded_labels) {
  const std::uint64_t label_hash = std::hash<std::string_view>{}(encoded_labels);
  return mix(label_hash ^ ((static_cast<std::uint64_t>(family) + 1) * 0x9E3779B97F4A7C15ULL));
}

SeriesIndex::Shard& SeriesIndex::shard_of(std::uint64_t hash) const {
  return shards_[hash >> (64 - std::countr_zero(kShardCount))];
}

Series* SeriesIndex::probe(const Table& table, Family family, std::string_view encoded_labels,
                           std::uint64_t hash) {
  for (std::size_t i = hash & table.mask;; i = (i + 1) & table.mask) {
    Series* candidate = table.slots[i].load(std::memory_order_acquire);
    if (candidate == nullptr) {
      return nullptr;
    }
    if (candidate->hash() == hash && candidate->family() == family &&
        candidate->encoded_labels() == encoded_labels) {
      return candidate;
    }
  }
}

Series* SeriesIndex::find(Family family, std::string_view encoded_labels, std::uint64_t hash) const {
  const Table* table = shard_of(hash).current.load(std::memory_order_acquire);
  return probe(*table, family, encoded_labels, hash);
}

std::pair<Series*, bool> SeriesIndex::find_or_create(Family family, std::string_view encoded_labels,
                                                     std::uint64_t hash, std::size_t bucket_count) {
  Shard& shard = shard_of(hash);
  std::lock_guard lock(shard.mutex);
  const Table* table = shard.current.load(std::memory_order_relaxed);
  if (Series* existing = probe(*table, family, encoded_labels, hash)) {
    return {existing, false};
  }
  // Keep the load factor at most 1/2 so that probes stay short and always meet an empty slot.
  if ((shard.series.size() + 1) * 2 > table->capacity()) {
    auto grown = std::make_unique<Table>(table->capacity() * 2);
    for (const auto& series : shard.series) {
      for (std::size_t i = series->hash() & grown->mask;; i = (i + 1) & grown->mask) {
        if (grown->slots[i].load(std::memory_order_relaxed) == nullptr) {
          grown->slots[i].store(series.get(), std::memory_order_relaxed);
          break;
        }
      }
    }
    table = grown.get();
    shard.tables.push_back(std::move(grown));
    shard.current.store(table, std::memory_order_release);
  }
  shard.series.push_back(std::make_unique<Series>(family, std::string(encoded_labels), hash, bucket_count));
  Series* created = shard.series.back().get();
  for (std::size_t i = hash & table->mask;; i = (i + 1) & table->mask) {
    if (table->slots[i].load(std::memory_order_relaxed) == nullptr) {
      table->slots[i].store(created, std::memory_order_release);
      break;
    }
  }
  return {created, true};
}

void SeriesIndex::for_each(const std::function<void(const Series&)>& visit) const {
  for (std::size_t s = 0; s < kShardCount; ++s) {
    const Table* table = shards_[s].current.load(std::memory_order_acquire);
    for (std::size_t i = 0; i < table->capacity(); ++i) {
      if (const Series* series = table->slots[i].load(std::memory_order_acquire)) {
        visit(*series);
      }
    }
  }
}

}  // namespace syncmon
