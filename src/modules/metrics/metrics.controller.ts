import { Controller, Get, Logger, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { TemporarilyUnavailable } from '../../common/oauth/errors';
import { AdminGuard } from '../admin-auth/admin.guard';
import { MetricsService } from './metrics.service';

/** `GET /metrics` on every host, in the Prometheus text format, behind the admin API key. */
@Controller('metrics')
@UseGuards(AdminGuard)
export class MetricsController {
  private readonly logger = new Logger('Metrics');

  constructor(private readonly metrics: MetricsService) {}

  @Get()
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    let body: string;
    try {
      body = await this.metrics.metrics();
    } catch (e) {
      // A partial sum would look like a counter reset to Prometheus: better a failed scrape.
      this.logger.warn(`could not collect the workers' metrics: ${(e as Error).message}`);
      throw new TemporarilyUnavailable('the metrics could not be collected, try again shortly');
    }
    reply.header('Content-Type', this.metrics.contentType).header('Cache-Control', 'no-store');
    return body;
  }
}
