package dev.modelgate.gateway.webhook;

import dev.modelgate.core.ledger.Action;
import java.util.ArrayDeque;
import java.util.logging.Logger;

/**
 * The in-memory queue of one webhook URL ({@code state.kind: file}), delivered one event at a time
 * by its {@link Sender}. Confined to the webhooks' context: every method but {@link #wants} (which
 * reads only the immutable target) runs there, so the fields need no lock.
 */
final class Outbox {
  private static final Logger LOG = Logger.getLogger(Outbox.class.getName());

  private final Sender sender;
  private final ArrayDeque<Sender.Pending> queue = new ArrayDeque<>();
  private boolean closed;

  Outbox(Sender sender) {
    this.sender = sender;
  }

  boolean wants(Action action) {
    return sender.target().events.contains(action);
  }

  void offer(long seq, Action action, byte[] body) {
    if (closed) {
      return;
    }
    if (queue.size() >= sender.policy().queueCapacity()) {
      sender.meters().dropped();
      LOG.warning(() -> "webhook " + sender.target() + ": dropped event seq " + seq + " (" + action + "): " + queue.size()
          + " events already queued behind an undelivered one");
      return;
    }
    queue.add(new Sender.Pending(seq, action, body, sender.ticker().nanos() + sender.policy().giveUpAfter().toNanos()));
    if (queue.size() == 1) {
      sendHead();
    }
  }

  private void sendHead() {
    sender.deliver(queue.element()).onSuccess(settled -> {
      queue.remove();
      if (!queue.isEmpty()) {
        sendHead();
      }
    });
  }

  /** Stops for good; returns how many events were still queued (the one in flight included). */
  int abandon() {
    closed = true;
    sender.cancel();
    int abandoned = queue.size();
    queue.clear();
    return abandoned;
  }
}
