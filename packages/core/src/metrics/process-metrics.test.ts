import { describe, expect, it } from 'vitest';
import { ProcessMetrics } from './process-metrics.js';

const labels = { model_group: 'g', deployment: 'd' };

describe('ProcessMetrics.render', () => {
  it('sums the counters and histograms of an added source (a worker thread) into the scrape, and drops it when removed', async () => {
    const main = new ProcessMetrics();
    const thread = new ProcessMetrics();
    main.requests.inc({ ...labels, outcome: 'success' }, 2);
    thread.requests.inc({ ...labels, outcome: 'success' }, 5);
    thread.requests.inc({ ...labels, outcome: 'timeout' });
    thread.duration.observe(labels, 0.2);
    const remove = main.addSource(() => thread.registry.getMetricsAsJSON());
    const text = await main.render();
    expect(text).toContain('switchyard_requests_total{model_group="g",deployment="d",outcome="success"} 7');
    expect(text).toContain('switchyard_requests_total{model_group="g",deployment="d",outcome="timeout"} 1');
    expect(text).toContain('switchyard_request_duration_seconds_count{model_group="g",deployment="d"} 1');
    expect(text).toContain('# HELP switchyard_requests_total ');
    remove();
    expect(await main.render()).toContain('switchyard_requests_total{model_group="g",deployment="d",outcome="success"} 2');
  });

  it('renders without a source that fails', async () => {
    const main = new ProcessMetrics();
    main.requests.inc({ ...labels, outcome: 'success' });
    main.addSource(() => Promise.reject(new Error('thread gone')));
    expect(await main.render()).toContain('switchyard_requests_total{model_group="g",deployment="d",outcome="success"} 1');
  });
});
