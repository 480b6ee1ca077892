// LangGraph's checkpointer (`BaseCheckpointSaver` of @langchain/langgraph-checkpoint) over
// engram's checkpoint routes (docs/checkpoints.md): a graph's thread state is kept by the
// server, per owner, so it survives a restart and several processes can share a thread.
//
// The saver serializes with its `serde` (LangGraph's JsonPlusSerializer by default) and engram
// keeps the bytes with their type tag, untouched. Channel values travel apart from the
// checkpoint, one per version that `put`'s `newVersions` names, as LangGraph's Postgres saver
// stores its blobs: a step that changes one channel sends one value. Pending writes are
// ordered and indexed by the server (LangGraph's WRITES_IDX_MAP), so `putWrites` only sends
// them in order.
import type { RunnableConfig } from "@langchain/core/runnables";
import {
  BaseCheckpointSaver,
  TASKS,
  maxChannelVersion,
  type ChannelVersions,
  type Checkpoint,
  type CheckpointListOptions,
  type CheckpointMetadata,
  type CheckpointPendingWrite,
  type CheckpointTuple,
  type PendingWrite,
  type SerializerProtocol,
} from "@langchain/langgraph-checkpoint";

import type { EngramClient, Request, Schemas } from "../client.js";

export interface EngramCheckpointSaverOptions {
  /** The client whose owner the threads belong to. */
  client: EngramClient;
  /** How checkpoints, channel values and writes become bytes (default: LangGraph's
   * JsonPlusSerializer). Every process sharing a thread must use the same one. */
  serde?: SerializerProtocol;
}

type StoredTuple = Schemas["CheckpointTuple"];
type SearchBody = NonNullable<Request<"/v1/owners/{owner}/checkpoints/search", "post">["body"]>;

/** The type tag of a channel a step emptied: stored as a version with no value, skipped on
 * read (LangGraph's database savers use the same marker). */
const EMPTY = "empty";

// engram carries bytes as standard base64.
const encode = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64");
const decode = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "base64"));

function configOf(threadId: string, checkpointNs: string, checkpointId: string): RunnableConfig {
  return {
    configurable: { thread_id: threadId, checkpoint_ns: checkpointNs, checkpoint_id: checkpointId },
  };
}

export class EngramCheckpointSaver extends BaseCheckpointSaver {
  readonly client: EngramClient;

  constructor(options: EngramCheckpointSaverOptions) {
    super(options.serde);
    this.client = options.client;
  }

  /** The checkpoint a config names (its `checkpoint_id`), else the thread's latest in the
   * config's namespace; undefined when there is none or the config names no thread. */
  async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    const { thread_id, checkpoint_ns, checkpoint_id } = config.configurable ?? {};
    if (thread_id === undefined) return undefined;
    const { tuple } = await this.#fetchTuple(String(thread_id), checkpoint_ns ?? "", checkpoint_id);
    return tuple ? this.#load(tuple) : undefined;
  }

  /** Checkpoints, greatest id (newest) first: of the config's thread and namespace when it names
   * them (every thread or namespace of the owner when not), before `options.before`'s id, whose
   * metadata has each key of `options.filter` equal to the value given. A config naming a
   * `checkpoint_id` lists only that checkpoint. */
  async *list(
    config: RunnableConfig,
    options: CheckpointListOptions = {},
  ): AsyncGenerator<CheckpointTuple> {
    const { thread_id, checkpoint_ns, checkpoint_id } = config.configurable ?? {};
    const body: SearchBody = {};
    if (thread_id !== undefined) body.thread_id = String(thread_id);
    if (checkpoint_ns !== undefined) body.checkpoint_ns = checkpoint_ns;
    const before = options.before?.configurable?.checkpoint_id;
    if (before) body.before = before;
    if (options.filter) body.filter = options.filter;
    // With a checkpoint id the limit applies after picking that id out, so it is counted here.
    if (options.limit !== undefined && !checkpoint_id) body.limit = options.limit;
    const { checkpoints } = await this.client.request(
      "post",
      "/v1/owners/{owner}/checkpoints/search",
      { body },
    );
    let remaining = options.limit ?? Infinity;
    for (const stored of checkpoints) {
      if (remaining <= 0) return;
      if (checkpoint_id && stored.checkpoint_id !== checkpoint_id) continue;
      remaining -= 1;
      yield await this.#load(stored);
    }
  }

  /** Stores a checkpoint as the child of the config's `checkpoint_id`, with the values of the
   * channels `newVersions` names; returns the config that reads it back. */
  async put(
    config: RunnableConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    newVersions: ChannelVersions,
  ): Promise<RunnableConfig> {
    const { thread_id, checkpoint_ns = "", checkpoint_id } = config.configurable ?? {};
    if (thread_id === undefined) {
      throw new Error('EngramCheckpointSaver.put: the config has no "thread_id" in "configurable"');
    }
    const { channel_values: values, ...rest } = checkpoint;
    const [type, data] = await this.serde.dumpsTyped(rest);
    const channelValues: StoredTuple["channel_values"] = [];
    for (const [channel, version] of Object.entries(newVersions)) {
      const [valueType, bytes] =
        channel in values
          ? await this.serde.dumpsTyped(values[channel])
          : [EMPTY, new Uint8Array()];
      channelValues.push({
        channel,
        version: String(version),
        type: valueType,
        data: encode(bytes),
      });
    }
    const stored = await this.client.request(
      "post",
      "/v1/owners/{owner}/threads/{thread}/checkpoints",
      {
        path: { thread: String(thread_id) },
        body: {
          checkpoint_ns,
          checkpoint_id: checkpoint.id,
          parent_checkpoint_id: checkpoint_id ?? null,
          checkpoint: { type, data: encode(data) },
          metadata: metadata as Record<string, unknown>,
          channel_versions: Object.fromEntries(
            Object.entries(checkpoint.channel_versions).map(([channel, version]) => [
              channel,
              String(version),
            ]),
          ),
          channel_values: channelValues,
        },
      },
    );
    return { configurable: stored };
  }

  /** Stores a task's writes against the config's checkpoint, in order; the server gives them
   * their indexes (special channels replace the task's previous write, others are kept once). */
  async putWrites(
    config: RunnableConfig,
    writes: PendingWrite[],
    taskId: string,
    taskPath = "",
  ): Promise<void> {
    const { thread_id, checkpoint_ns = "", checkpoint_id } = config.configurable ?? {};
    if (thread_id === undefined || !checkpoint_id) {
      throw new Error(
        'EngramCheckpointSaver.putWrites: the config needs "thread_id" and "checkpoint_id"',
      );
    }
    const items = [];
    for (const [channel, value] of writes) {
      const [type, data] = await this.serde.dumpsTyped(value);
      items.push({ channel, type, data: encode(data) });
    }
    await this.client.request("post", "/v1/owners/{owner}/threads/{thread}/writes", {
      path: { thread: String(thread_id) },
      body: { checkpoint_ns, checkpoint_id, task_id: taskId, task_path: taskPath, writes: items },
    });
  }

  /** Deletes every checkpoint, value and write of a thread, in all namespaces. */
  async deleteThread(threadId: string): Promise<void> {
    await this.client.request("delete", "/v1/owners/{owner}/threads/{thread}", {
      path: { thread: threadId },
    });
  }

  /** engram only: copies a thread (all namespaces) to a thread id that has no checkpoints yet;
   * returns how many checkpoints were copied. */
  async copyThread(threadId: string, targetThreadId: string): Promise<number> {
    const { copied } = await this.client.request(
      "post",
      "/v1/owners/{owner}/threads/{thread}/copy",
      {
        path: { thread: threadId },
        body: { target_thread_id: targetThreadId },
      },
    );
    return copied;
  }

  /** engram only: keeps the latest `keepLatest` checkpoints of each of the thread's namespaces
   * (with their writes and values); returns how many were deleted. */
  async pruneThread(threadId: string, keepLatest = 1): Promise<number> {
    const { deleted } = await this.client.request(
      "post",
      "/v1/owners/{owner}/threads/{thread}/prune",
      {
        path: { thread: threadId },
        body: { keep_latest: keepLatest },
      },
    );
    return deleted;
  }

  #fetchTuple(threadId: string, checkpointNs: string, checkpointId?: string) {
    return this.client.request("get", "/v1/owners/{owner}/threads/{thread}/checkpoint", {
      path: { thread: threadId },
      query: { checkpoint_ns: checkpointNs, checkpoint_id: checkpointId },
    });
  }

  // A stored tuple as LangGraph's CheckpointTuple: the checkpoint with its channel values put
  // back, the writes deserialized, the configs of the checkpoint and its parent.
  async #load(stored: StoredTuple): Promise<CheckpointTuple> {
    const checkpoint: Checkpoint = await this.serde.loadsTyped(
      stored.checkpoint.type,
      decode(stored.checkpoint.data),
    );
    checkpoint.channel_values = {};
    for (const value of stored.channel_values) {
      if (value.type === EMPTY) continue;
      checkpoint.channel_values[value.channel] = await this.serde.loadsTyped(
        value.type,
        decode(value.data),
      );
    }
    const pendingWrites: CheckpointPendingWrite[] = [];
    for (const write of stored.pending_writes) {
      pendingWrites.push([
        write.task_id,
        write.channel,
        await this.serde.loadsTyped(write.type, decode(write.data)),
      ]);
    }
    const parentId = stored.parent_checkpoint_id;
    if (checkpoint.v < 4 && parentId) await this.#migratePendingSends(stored, parentId, checkpoint);
    return {
      config: configOf(stored.thread_id, stored.checkpoint_ns, stored.checkpoint_id),
      checkpoint,
      metadata: stored.metadata as CheckpointMetadata,
      pendingWrites,
      ...(parentId
        ? { parentConfig: configOf(stored.thread_id, stored.checkpoint_ns, parentId) }
        : {}),
    };
  }

  // Checkpoints before format v4 kept the sends of a step as the parent's writes to TASKS;
  // LangGraph's savers move them into that channel on read, as here.
  async #migratePendingSends(
    stored: StoredTuple,
    parentId: string,
    checkpoint: Checkpoint,
  ): Promise<void> {
    const { tuple: parent } = await this.#fetchTuple(
      stored.thread_id,
      stored.checkpoint_ns,
      parentId,
    );
    const sends = [];
    for (const write of parent?.pending_writes ?? []) {
      if (write.channel === TASKS)
        sends.push(await this.serde.loadsTyped(write.type, decode(write.data)));
    }
    checkpoint.channel_values[TASKS] = sends;
    checkpoint.channel_versions ??= {};
    const versions = Object.values(checkpoint.channel_versions);
    checkpoint.channel_versions[TASKS] =
      versions.length > 0 ? maxChannelVersion(...versions) : this.getNextVersion(undefined);
  }
}
